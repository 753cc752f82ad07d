package io.dfly.dfget;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.dfly.core.download.DownloadProgress;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;

/**
 * The JSON dfget exchanges with the dfdaemon API, with Jackson's streaming parser and generator
 * (jackson-core) only: the request body, a progress line, an error body. Jackson's data binding
 * ({@code ObjectMapper}) costs a CLI about 400 more classes to load at start, for three small flat objects.
 */
final class DaemonMessages {
    private static final JsonFactory JSON = new JsonFactory();

    private DaemonMessages() {
    }

    /** One NDJSON progress line; {@code taskId}, {@code digest} and {@code contentLength} only on the last. */
    record Line(DownloadProgress progress, boolean done, String error, String taskId, String digest, long contentLength) {
    }

    /** {@code {"url","headers","digest","identifier","backToSource"}} */
    static byte[] request(String url, Map<String, String> headers, String digest, String identifier, boolean backToSource) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("url", url);
            g.writeObjectFieldStart("headers");
            for (Map.Entry<String, String> h : headers.entrySet()) {
                g.writeStringField(h.getKey(), h.getValue());
            }
            g.writeEndObject();
            g.writeStringField("digest", digest);
            g.writeStringField("identifier", identifier);
            g.writeBooleanField("backToSource", backToSource);
            g.writeEndObject();
        } catch (IOException e) {
            throw new IllegalStateException("cannot write JSON to memory", e);
        }
        return out.toByteArray();
    }

    /**
     * Reads one progress line (a flat JSON object; unknown fields and nested values are skipped).
     *
     * @throws IOException when the line is not a JSON object
     */
    static Line line(String text) throws IOException {
        long completed = 0;
        long total = -1;
        long peers = 0;
        long supernode = 0;
        long origin = 0;
        long length = -1;
        boolean done = false;
        String error = null;
        String taskId = null;
        String digest = null;
        try (JsonParser p = JSON.createParser(text)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("a progress line is not a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                switch (name) {
                    case "completedBytes" -> completed = p.getValueAsLong(completed);
                    case "totalBytes" -> total = p.getValueAsLong(total);
                    case "fromPeers" -> peers = p.getValueAsLong(peers);
                    case "fromSupernode" -> supernode = p.getValueAsLong(supernode);
                    case "fromOrigin" -> origin = p.getValueAsLong(origin);
                    case "contentLength" -> length = p.getValueAsLong(length);
                    case "done" -> done = p.getValueAsBoolean(false);
                    case "error" -> error = v == JsonToken.VALUE_NULL ? null : p.getValueAsString();
                    case "taskId" -> taskId = v == JsonToken.VALUE_NULL ? null : p.getValueAsString();
                    case "digest" -> digest = v == JsonToken.VALUE_NULL ? null : p.getValueAsString();
                    default -> { } // unknown: skipped below when nested
                }
                if (v == JsonToken.START_OBJECT || v == JsonToken.START_ARRAY) {
                    p.skipChildren();
                }
            }
            if (p.currentToken() != JsonToken.END_OBJECT) {
                throw new IOException("a progress line is not a JSON object");
            }
        }
        return new Line(new DownloadProgress(completed, total, peers, supernode, origin), done, error, taskId, digest, length);
    }

    /** The {@code message} of an error body {@code {"error","message"}}, or null when it has none or is not JSON. */
    static String errorMessage(String body) {
        try (JsonParser p = JSON.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                if (name.equals("message") && v == JsonToken.VALUE_STRING) {
                    return p.getText();
                }
                p.skipChildren();
            }
            return null;
        } catch (IOException e) {
            return null;
        }
    }
}
