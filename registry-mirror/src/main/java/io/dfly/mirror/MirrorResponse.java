package io.dfly.mirror;

import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What to answer a client: status, headers, and a body written as a stream (never buffered whole).
 * A body that throws {@link IOException} after bytes were sent means "abort the response"; the
 * server must then close the connection rather than complete the response.
 */
public final class MirrorResponse {
    /** Writes the body. */
    @FunctionalInterface
    public interface Body {
        void writeTo(OutputStream out) throws IOException;
    }

    private final int status;
    private final Map<String, List<String>> headers = new LinkedHashMap<>();
    private Body body;

    public MirrorResponse(int status) {
        this.status = status;
    }

    public int status() {
        return status;
    }

    public Map<String, List<String>> headers() {
        return headers;
    }

    public String header(String name) {
        for (Map.Entry<String, List<String>> e : headers.entrySet()) {
            if (e.getKey().equalsIgnoreCase(name) && !e.getValue().isEmpty()) {
                return e.getValue().get(0);
            }
        }
        return null;
    }

    public MirrorResponse header(String name, String value) {
        if (value != null) {
            headers.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
        }
        return this;
    }

    /** The body, or null for none (HEAD, 304...). */
    public Body body() {
        return body;
    }

    public MirrorResponse body(Body body) {
        this.body = body;
        return this;
    }
}
