package io.dfly.supernode.cdn;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** GETs from the origin with the registering peer's headers (never logged). */
public final class OriginClient {
    /** Headers the JDK client sets itself or refuses. */
    private static final Set<String> RESTRICTED = Set.of("host", "content-length", "connection", "upgrade", "expect",
            "transfer-encoding", "range", "keep-alive", "te", "trailer", "proxy-connection");

    private final HttpClient http;

    public OriginClient(Duration connectTimeout) {
        this.http = HttpClient.newBuilder().connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NORMAL).build();
    }

    /** An open origin response: its status, length (-1 unknown) and body. */
    public record OriginResponse(int status, long contentLength, InputStream body, String contentType) {
    }

    /**
     * @param fromByte 0, or the offset to resume at (a Range request)
     * @throws OriginFailure for an error status (body closed) or when the origin is unreachable
     */
    public OriginResponse open(String url, Map<String, String> headers, long fromByte, String accept)
            throws OriginFailure {
        HttpRequest.Builder b;
        try {
            b = HttpRequest.newBuilder(URI.create(url)).GET();
        } catch (IllegalArgumentException e) {
            throw new OriginFailure(400, "bad_request", "not a valid URL: " + url);
        }
        if (headers != null) {
            headers.forEach((k, v) -> {
                if (k != null && v != null && !RESTRICTED.contains(k.toLowerCase(Locale.ROOT))) {
                    b.header(k, v);
                }
            });
        }
        if (fromByte > 0) {
            b.header("Range", "bytes=" + fromByte + "-");
        }
        if (accept != null) {
            b.setHeader("Accept", accept);
        }
        HttpResponse<InputStream> r;
        try {
            r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw new OriginFailure(502, "origin_unreachable", "cannot reach origin " + URI.create(url).getHost()
                    + ": " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " " + e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OriginFailure(502, "origin_unreachable", "interrupted");
        }
        int status = r.statusCode();
        if (status != 200 && status != 206) {
            try {
                r.body().close();
            } catch (IOException ignored) {
                // nothing to do
            }
            throw OriginFailure.fromStatus(status, stripQuery(url));
        }
        long length = r.headers().firstValueAsLong("Content-Length").orElse(-1);
        if (status == 206) {
            length = r.headers().firstValue("Content-Range").map(OriginClient::totalFromContentRange).orElse(-1L);
        }
        return new OriginResponse(status, length, r.body(), r.headers().firstValue("Content-Type").orElse(null));
    }

    /** {@code bytes 0-9/100} → 100; -1 when the total is unknown. */
    static long totalFromContentRange(String value) {
        int slash = value.lastIndexOf('/');
        if (slash < 0) {
            return -1;
        }
        try {
            return Long.parseLong(value.substring(slash + 1).trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The URL without its query (signatures), for messages. */
    public static String stripQuery(String url) {
        int q = url.indexOf('?');
        return q < 0 ? url : url.substring(0, q);
    }
}
