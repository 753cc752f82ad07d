package io.dfly.mirror;

import io.dfly.core.protocol.UserAgent;
import io.dfly.core.security.Credentials;
import io.dfly.core.security.OriginPolicy;
import io.dfly.core.security.SafeUrls;

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
import java.util.Optional;
import java.util.Set;

/**
 * HTTP to upstream registries (and their token services). Streams bodies. Follows redirects itself (at
 * most {@value #MAX_REDIRECTS}), and on every request and every redirect hop first asks the
 * {@link OriginPolicy} whether the host may be reached at all: an upstream cannot make dfdaemon fetch an
 * internal address. Credentials (Authorization, Cookie, ...) go only to the origin (scheme, host and port)
 * the request was made for; once a redirect leaves it they are dropped for the rest of the chain (a
 * registry's 307 to object storage carries its own signature).
 */
public class UpstreamClient {
    static final int MAX_REDIRECTS = 5;
    private static final Set<String> RESTRICTED = Set.of("host", "connection", "content-length", "expect", "upgrade");
    private final HttpClient http;
    private final OriginPolicy origins;

    /** @param origins which hosts may be reached (the mirror's {@link MirrorConfig#origins()}) */
    public UpstreamClient(OriginPolicy origins) {
        this(HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(10))
                .build(), origins);
    }

    /** @param http a client that must not follow redirects itself */
    public UpstreamClient(HttpClient http, OriginPolicy origins) {
        this.http = http;
        this.origins = origins == null ? OriginPolicy.allowAll() : origins;
    }

    /** The policy this client checks. */
    public OriginPolicy origins() {
        return origins;
    }

    /**
     * Fails when the policy refuses {@code uri}, or when it is not an absolute http(s) URL.
     *
     * @param what what the URL is, for the message ("upstream", "redirect target", "token realm")
     */
    public void checkOrigin(URI uri, String what) throws IOException {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
            throw new IOException("the " + what + " " + SafeUrls.display(uri) + " is not an http(s) URL with a host");
        }
        Optional<String> refusal = origins.refusal(uri);
        if (refusal.isPresent()) {
            throw new RefusedOriginException(what, uri, refusal.get());
        }
    }

    /**
     * Sends a request; the caller must close the body. The response's {@code uri()} is the final URI
     * after redirects.
     *
     * @throws RefusedOriginException when the URL or a redirect target is an origin the policy refuses
     */
    public HttpResponse<InputStream> send(String method, URI uri, Map<String, List<String>> headers)
            throws IOException {
        URI current = uri;
        boolean leftOrigin = false;
        for (int hop = 0; ; hop++) {
            checkOrigin(current, hop == 0 ? "upstream" : "redirect target");
            leftOrigin |= !Credentials.sameOrigin(uri, current);
            boolean withCredentials = !leftOrigin;
            HttpRequest.Builder b;
            try {
                b = HttpRequest.newBuilder(current)
                        .method(method, HttpRequest.BodyPublishers.noBody())
                        .timeout(Duration.ofMinutes(10));
            } catch (IllegalArgumentException e) {
                throw new IOException("cannot request " + SafeUrls.display(current));
            }
            headers.forEach((name, values) -> {
                String n = name.toLowerCase(Locale.ROOT);
                if (RESTRICTED.contains(n) || (!withCredentials && Credentials.isCredential(n))) {
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
                    try {
                        current = current.resolve(location.trim());
                    } catch (IllegalArgumentException e) {
                        // never echo the Location: it may be a signed URL
                        throw new IOException("upstream " + SafeUrls.display(current) + " answered HTTP " + s
                                + " with a malformed Location");
                    }
                    continue;
                }
            }
            return r;
        }
    }

    /**
     * Sends and reads a small body as text (token endpoints); no redirect is followed.
     *
     * @throws RefusedOriginException when the policy refuses the request's URL
     */
    public HttpResponse<String> sendForString(HttpRequest request) throws IOException {
        checkOrigin(request.uri(), "token realm");
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
