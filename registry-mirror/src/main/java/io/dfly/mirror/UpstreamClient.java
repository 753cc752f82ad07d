package io.dfly.mirror;

import io.dfly.core.protocol.UserAgent;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * HTTP to upstream registries (and their token services). Streams bodies. Follows redirects itself,
 * dropping {@code Authorization} when a redirect leaves the original host (a registry's 307 to
 * object storage carries its own signature).
 */
public class UpstreamClient {
    private static final int MAX_REDIRECTS = 5;
    private static final Set<String> RESTRICTED = Set.of("host", "connection", "content-length", "expect", "upgrade");
    private final HttpClient http;

    public UpstreamClient() {
        this(HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(10))
                .build());
    }

    public UpstreamClient(HttpClient http) {
        this.http = http;
    }

    /**
     * Sends a request; the caller must close the body. The response's {@code uri()} is the final URI
     * after redirects.
     */
    public HttpResponse<InputStream> send(String method, URI uri, Map<String, List<String>> headers)
            throws IOException {
        URI current = uri;
        String originalAuthority = authority(uri);
        for (int hop = 0; ; hop++) {
            HttpRequest.Builder b = HttpRequest.newBuilder(current)
                    .method(method, HttpRequest.BodyPublishers.noBody())
                    .timeout(Duration.ofMinutes(10));
            boolean sameHost = authority(current).equals(originalAuthority);
            headers.forEach((name, values) -> {
                String n = name.toLowerCase(Locale.ROOT);
                if (RESTRICTED.contains(n) || (!sameHost && n.equals("authorization"))) {
                    return;
                }
                for (String v : values) {
                    b.header(name, v);
                }
            });
            b.setHeader(UserAgent.HEADER, UserAgent.DFDAEMON);
            HttpResponse<InputStream> r;
            try {
                r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
            int s = r.statusCode();
            if ((s == 301 || s == 302 || s == 303 || s == 307 || s == 308) && hop < MAX_REDIRECTS) {
                String location = r.headers().firstValue("location").orElse(null);
                if (location != null) {
                    r.body().close();
                    current = current.resolve(location);
                    continue;
                }
            }
            return r;
        }
    }

    /** Sends and reads a small body as text (token endpoints). */
    public HttpResponse<String> sendForString(HttpRequest request) throws IOException {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    static String authority(URI u) {
        return (u.getScheme() + "://" + u.getRawAuthority()).toLowerCase(Locale.ROOT);
    }
}
