package io.dfly.supernode.task;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The headers one registrant passed for back-to-source (credentials, typically), and the key of the URL it
 * passed them for ({@link GridSeal#urlKey} of the normalized URL, as {@link TaskRecord#urlKey}):
 * back-to-source sends them only while the task fetches that URL, and only to that URL's origin. Never
 * logged ({@link #toString} shows no value).
 */
public record OriginHeaders(String urlKey, Map<String, String> headers) {
    private static final int FORMAT = 1;
    private static final int MAX_ENTRIES = 1000;

    public OriginHeaders {
        Map<String, String> kept = new LinkedHashMap<>();
        if (headers != null) {
            headers.forEach((k, v) -> {
                if (k != null && v != null) {
                    kept.put(k, v);
                }
            });
        }
        headers = Map.copyOf(kept);
    }

    /** The headers when the task's URL has key {@code taskUrlKey}; else none. */
    public Map<String, String> forUrl(String taskUrlKey) {
        return urlKey.equals(taskUrlKey) ? headers : Map.of();
    }

    /** Bytes for the sealed grid value (then encrypted with the cluster key). */
    public byte[] toBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(FORMAT);
            text(out, urlKey);
            out.writeInt(headers.size());
            for (Map.Entry<String, String> e : headers.entrySet()) {
                text(out, e.getKey());
                text(out, e.getValue());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** @throws IllegalArgumentException for bytes {@link #toBytes} did not make */
    public static OriginHeaders fromBytes(byte[] data) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            if (in.readByte() != FORMAT) {
                throw new IllegalArgumentException("unknown origin headers format");
            }
            String urlKey = text(in);
            int n = in.readInt();
            if (n < 0 || n > MAX_ENTRIES) {
                throw new IllegalArgumentException("bad origin headers");
            }
            Map<String, String> h = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                h.put(text(in), text(in));
            }
            return new OriginHeaders(urlKey, h);
        } catch (IOException e) {
            throw new IllegalArgumentException("bad origin headers");
        }
    }

    private static void text(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    private static String text(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > in.available()) {
            throw new IOException("bad length");
        }
        return new String(in.readNBytes(n), StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "OriginHeaders[" + headers.size() + " header(s), names " + headers.keySet() + "]"; // never the values
    }
}
