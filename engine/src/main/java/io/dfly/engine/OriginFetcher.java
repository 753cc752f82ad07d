package io.dfly.engine;

import io.dfly.core.download.DownloadException;
import io.dfly.core.protocol.UserAgent;

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

/** Opens the origin URL for a back-to-source download, with the caller's headers (never logged). */
public final class OriginFetcher {
    private static final Set<String> RESTRICTED = Set.of("host", "connection", "content-length", "expect", "upgrade");
    private final HttpClient http;

    public OriginFetcher(HttpClient http) {
        this.http = http;
    }

    /** An open origin response: status 200 and its body; length -1 when not announced. */
    public record Opened(InputStream body, long contentLength) {
    }

    public Opened open(String url, Map<String, String> headers) throws DownloadException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).GET();
        if (headers != null) {
            headers.forEach((k, v) -> {
                if (!RESTRICTED.contains(k.toLowerCase(Locale.ROOT))) {
                    b.header(k, v);
                }
            });
        }
        b.setHeader(UserAgent.HEADER, UserAgent.DFDAEMON);
        HttpResponse<InputStream> r;
        try {
            r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw new DownloadException(DownloadException.Kind.ORIGIN_ERROR,
                    "origin " + hostOf(url) + " unreachable (" + SupernodeClient.describe(e) + ")", e);
        }
        int status = r.statusCode();
        if (status == 200) {
            long len = r.headers().firstValueAsLong("Content-Length").orElse(-1);
            return new Opened(r.body(), len);
        }
        try {
            r.body().close();
        } catch (IOException ignored) {
            // closing an error body
        }
        DownloadException.Kind kind = switch (status) {
            case 404, 410 -> DownloadException.Kind.ORIGIN_NOT_FOUND;
            case 401, 403 -> DownloadException.Kind.ORIGIN_DENIED;
            default -> DownloadException.Kind.ORIGIN_ERROR;
        };
        throw new DownloadException(kind, "origin answered HTTP " + status + " for " + url);
    }

    private static String hostOf(String url) {
        try {
            URI u = URI.create(url);
            return u.getHost() + (u.getPort() > 0 ? ":" + u.getPort() : "");
        } catch (Exception e) {
            return url;
        }
    }
}
