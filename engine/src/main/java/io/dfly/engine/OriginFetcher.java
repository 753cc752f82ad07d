package io.dfly.engine;

import io.dfly.core.download.DownloadException;
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
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Opens the origin URL for a back-to-source download, with the caller's headers (never logged). The
 * origin policy is checked on the first URL and on every redirect hop (followed here, at most
 * {@value #MAX_REDIRECTS}, never by the HTTP client); credential headers go only to the origin they were
 * given for (same scheme, host and port), so a redirect to a CDN or another host gets none. Messages show
 * URLs through {@link SafeUrls#display} only: no query, no user info.
 */
public final class OriginFetcher {
    static final int MAX_REDIRECTS = 5;
    private static final Set<String> RESTRICTED = Set.of("host", "connection", "content-length", "expect", "upgrade");
    private static final Set<Integer> REDIRECTS = Set.of(301, 302, 303, 307, 308);
    private final HttpClient http;
    private final OriginPolicy origins;

    /** @param http a client that does not follow redirects itself (one that does would skip the checks) */
    public OriginFetcher(HttpClient http, OriginPolicy origins) {
        if (http.followRedirects() != HttpClient.Redirect.NEVER) {
            throw new IllegalArgumentException("the origin client must not follow redirects itself");
        }
        this.http = http;
        this.origins = origins == null ? OriginPolicy.allowAll() : origins;
    }

    /** An open origin response: status 200 and its body; length -1 when not announced. */
    public record Opened(InputStream body, long contentLength) {
    }

    public Opened open(String url, Map<String, String> headers) throws DownloadException, InterruptedException {
        URI first;
        try {
            first = new URI(url);
        } catch (java.net.URISyntaxException e) {
            throw new DownloadException(DownloadException.Kind.BAD_REQUEST, "not a valid URL: " + SafeUrls.display(url));
        }
        URI current = first;
        for (int hop = 0; ; hop++) {
            refuseIfDenied(current);
            HttpRequest.Builder b = HttpRequest.newBuilder(current).timeout(Duration.ofSeconds(30)).GET();
            Credentials.forTarget(first, current, headers).forEach((k, v) -> {
                if (!RESTRICTED.contains(k.toLowerCase(Locale.ROOT))) {
                    b.header(k, v);
                }
            });
            b.setHeader(UserAgent.HEADER, UserAgent.DFDAEMON);
            HttpResponse<InputStream> r;
            try {
                r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            } catch (IOException e) {
                throw new DownloadException(DownloadException.Kind.ORIGIN_ERROR,
                        "origin " + hostOf(current) + " unreachable (" + SupernodeClient.describe(e) + ")", e);
            } catch (IllegalArgumentException e) {
                throw new DownloadException(DownloadException.Kind.BAD_REQUEST, "cannot request "
                        + SafeUrls.display(current) + ": " + e.getMessage());
            }
            int status = r.statusCode();
            if (status == 200) {
                long len = r.headers().firstValueAsLong("Content-Length").orElse(-1);
                return new Opened(r.body(), len);
            }
            Optional<String> location = r.headers().firstValue("Location");
            close(r);
            if (REDIRECTS.contains(status) && location.isPresent()) {
                if (hop >= MAX_REDIRECTS) {
                    throw new DownloadException(DownloadException.Kind.ORIGIN_ERROR, "origin " + SafeUrls.display(first)
                            + " redirected more than " + MAX_REDIRECTS + " times");
                }
                current = next(current, location.get());
                continue;
            }
            DownloadException.Kind kind = switch (status) {
                case 404, 410 -> DownloadException.Kind.ORIGIN_NOT_FOUND;
                case 401, 403 -> DownloadException.Kind.ORIGIN_DENIED;
                default -> DownloadException.Kind.ORIGIN_ERROR;
            };
            throw new DownloadException(kind, "origin answered HTTP " + status + " for " + SafeUrls.display(current));
        }
    }

    /** @throws DownloadException ORIGIN_DENIED with the policy's reason (naming its setting) */
    private void refuseIfDenied(URI u) throws DownloadException {
        Optional<String> refusal = origins.refusal(u);
        if (refusal.isPresent()) {
            throw new DownloadException(DownloadException.Kind.ORIGIN_DENIED, refusal.get());
        }
    }

    private static URI next(URI from, String location) throws DownloadException {
        URI to;
        try {
            to = from.resolve(new URI(location.trim()));
        } catch (java.net.URISyntaxException | IllegalArgumentException e) {
            throw new DownloadException(DownloadException.Kind.ORIGIN_ERROR, "origin " + SafeUrls.display(from)
                    + " redirected to an invalid URL");
        }
        String scheme = to.getScheme() == null ? "" : to.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || to.getHost() == null) {
            throw new DownloadException(DownloadException.Kind.ORIGIN_ERROR, "origin " + SafeUrls.display(from)
                    + " redirected to a non-http(s) URL");
        }
        return to;
    }

    private static void close(HttpResponse<InputStream> r) {
        try {
            r.body().close();
        } catch (IOException ignored) {
            // closing an error or redirect body
        }
    }

    private static String hostOf(URI u) {
        return u.getHost() + (u.getPort() > 0 ? ":" + u.getPort() : "");
    }
}
