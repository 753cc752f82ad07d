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

    private static final int MAX_REDIRECTS = 5;
    private final HttpClient http;

    public OriginClient(Duration connectTimeout) {
        // redirects are followed here, not by the client, so credentials never follow a redirect to another host
        this.http = HttpClient.newBuilder().connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER).build();
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
        URI target;
        try {
            target = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new OriginFailure(400, "bad_request", "not a valid URL: " + stripQuery(url));
        }
        String originalHost = target.getHost();
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            boolean sameHost = originalHost != null && originalHost.equalsIgnoreCase(target.getHost());
            HttpResponse<InputStream> r = send(target, sameHost ? headers : withoutCredentials(headers), fromByte, accept);
            int status = r.statusCode();
            if (status == 301 || status == 302 || status == 303 || status == 307 || status == 308) {
                String location = r.headers().firstValue("Location").orElse(null);
                close(r.body());
                if (location == null) {
                    throw new OriginFailure(502, "origin_error", "origin redirected without a Location for " + stripQuery(url));
                }
                target = target.resolve(location);
                continue;
            }
            if (status != 200 && status != 206) {
                close(r.body());
                throw OriginFailure.fromStatus(status, stripQuery(url));
            }
            long length = r.headers().firstValueAsLong("Content-Length").orElse(-1);
            if (status == 206) {
                length = r.headers().firstValue("Content-Range").map(OriginClient::totalFromContentRange).orElse(-1L);
            }
            return new OriginResponse(status, length, r.body(), r.headers().firstValue("Content-Type").orElse(null));
        }
        throw new OriginFailure(502, "origin_error", "too many redirects for " + stripQuery(url));
    }

    private HttpResponse<InputStream> send(URI target, Map<String, String> headers, long fromByte, String accept)
            throws OriginFailure {
        HttpRequest.Builder b = HttpRequest.newBuilder(target).GET();
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
        try {
            return http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw new OriginFailure(502, "origin_unreachable", "cannot reach origin " + target.getHost()
                    + ": " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " " + e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OriginFailure(502, "origin_unreachable", "interrupted");
        } catch (IllegalArgumentException e) {
            throw new OriginFailure(400, "bad_request", "not a usable URL: " + target.getScheme() + "://" + target.getHost());
        }
    }

    /** Headers for another host: without Authorization and cookies (a redirect to a CDN or object store). */
    static Map<String, String> withoutCredentials(Map<String, String> headers) {
        if (headers == null) {
            return Map.of();
        }
        java.util.Map<String, String> out = new java.util.HashMap<>();
        headers.forEach((k, v) -> {
            String lower = k == null ? "" : k.toLowerCase(Locale.ROOT);
            if (!lower.equals("authorization") && !lower.equals("cookie") && !lower.equals("proxy-authorization")) {
                out.put(k, v);
            }
        });
        return out;
    }

    private static void close(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // nothing to do
        }
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
