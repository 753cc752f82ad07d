package io.dfly.supernode.cdn;

import io.dfly.core.protocol.UserAgent;
import io.dfly.core.security.Credentials;
import io.dfly.core.security.OriginPolicy;
import io.dfly.core.security.SafeUrls;
import io.dfly.core.security.SafeText;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.URI;
import java.net.URLConnection;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * GETs from the origin with the registering peer's headers (never logged). Every URL it is asked to fetch,
 * and every redirect hop, must pass the {@link OriginPolicy} ({@code dfly.supernode.allowed-origins}):
 * internal addresses only when listed. Redirects are followed here, at most {@value #MAX_REDIRECTS}, and
 * credentials go only to the origin (scheme, host and port) of the first URL. Uses {@link HttpURLConnection}:
 * reading a multi-MiB body through it measured 2-6x faster on loopback than java.net.http.HttpClient's
 * InputStream body, and back-to-source is this supernode's bulk path.
 */
public final class OriginClient {
    /** Headers the JDK client sets itself or refuses. */
    private static final Set<String> RESTRICTED = Set.of("host", "content-length", "connection", "upgrade", "expect",
            "transfer-encoding", "range", "keep-alive", "te", "trailer", "proxy-connection");

    private static final int MAX_REDIRECTS = 5;
    /** A body that sends nothing for this long is broken (the fetch fails and another member may resume it). */
    private static final int READ_TIMEOUT_MS = 5 * 60_000;
    private final int connectTimeoutMillis;
    private final OriginPolicy policy;

    /** @param policy which hosts may be fetched (checked on the first URL and on every redirect hop) */
    public OriginClient(Duration connectTimeout, OriginPolicy policy) {
        this.connectTimeoutMillis = (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis());
        this.policy = policy;
    }

    /** Why {@code url} must not be fetched (the policy's text), or empty when it may; nothing is fetched. */
    public Optional<String> refusal(String url) {
        try {
            return policy.refusal(URI.create(url));
        } catch (IllegalArgumentException e) {
            return Optional.of("not a valid URL: " + SafeUrls.display(url));
        }
    }

    /** One response: status, the headers this class reads, and the body stream. */
    private record Answer(int status, InputStream body, String location, String contentLength, String contentRange,
                          String contentType) {
    }

    /**
     * An open origin response: its status, length (-1 unknown), body, and for a 206 the offset its body
     * starts at ({@code Content-Range}; -1 when absent or unreadable), else 0.
     */
    public record OriginResponse(int status, long contentLength, InputStream body, String contentType, long rangeStart) {
    }

    /**
     * @param fromByte 0, or the offset to resume at (a Range request)
     * @throws OriginFailure for an error status (body closed) or when the origin is unreachable
     */
    public OriginResponse open(String url, Map<String, String> headers, long fromByte, String accept)
            throws OriginFailure {
        URI first;
        try {
            first = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new OriginFailure(400, "bad_request", "not a valid URL: " + SafeUrls.display(url));
        }
        URI target = first;
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            check(target);
            // the credentials were given for the first URL's origin: any other scheme, host or port gets none
            Answer r = send(target, Credentials.forTarget(first, target, headers), fromByte, accept);
            int status = r.status();
            if (status == 301 || status == 302 || status == 303 || status == 307 || status == 308) {
                String location = r.location();
                close(r.body());
                if (location == null) {
                    throw new OriginFailure(502, "origin_error", "origin redirected without a Location for " + SafeUrls.display(url));
                }
                try {
                    target = target.resolve(location);
                } catch (IllegalArgumentException e) {
                    throw new OriginFailure(502, "origin_error", "origin redirected to an invalid Location for " + SafeUrls.display(url));
                }
                continue;
            }
            if (status != 200 && status != 206) {
                close(r.body());
                throw OriginFailure.fromStatus(status, SafeUrls.display(url));
            }
            long length = parseLength(r.contentLength());
            long rangeStart = 0;
            if (status == 206) {
                length = r.contentRange() == null ? -1 : totalFromContentRange(r.contentRange());
                rangeStart = r.contentRange() == null ? -1 : startFromContentRange(r.contentRange());
            }
            return new OriginResponse(status, length, r.body(), r.contentType(), rangeStart);
        }
        throw new OriginFailure(502, "origin_error", "too many redirects for " + SafeUrls.display(url));
    }

    /** An http(s) URL with a host, that the origin policy allows; else the failure to answer with. */
    private void check(URI target) throws OriginFailure {
        String scheme = target.getScheme() == null ? "" : target.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || target.getHost() == null) {
            throw new OriginFailure(400, "bad_request", "not a usable URL: " + target.getScheme() + "://" + target.getHost());
        }
        Optional<String> refused = policy.refusal(target);
        if (refused.isPresent()) {
            throw new OriginFailure(403, "origin_refused", refused.get());
        }
    }

    private Answer send(URI target, Map<String, String> headers, long fromByte, String accept) throws OriginFailure {
        HttpURLConnection c;
        try {
            URLConnection opened = target.toURL().openConnection(Proxy.NO_PROXY);
            c = (HttpURLConnection) opened;
        } catch (IOException | IllegalArgumentException e) {
            throw new OriginFailure(400, "bad_request", "not a usable URL: " + target.getScheme() + "://" + target.getHost());
        }
        // redirects are followed by open(), not here, so credentials never follow a redirect to another host
        c.setInstanceFollowRedirects(false);
        c.setConnectTimeout(connectTimeoutMillis);
        c.setReadTimeout(READ_TIMEOUT_MS);
        c.setUseCaches(false);
        if (headers != null) {
            headers.forEach((k, v) -> {
                if (k != null && v != null && !RESTRICTED.contains(k.toLowerCase(Locale.ROOT))) {
                    c.addRequestProperty(k, v);
                }
            });
        }
        c.setRequestProperty(UserAgent.HEADER, UserAgent.SUPERNODE);
        if (fromByte > 0) {
            c.setRequestProperty("Range", "bytes=" + fromByte + "-");
        }
        if (accept != null) {
            c.setRequestProperty("Accept", accept);
        }
        try {
            c.connect();
        } catch (IOException e) {
            // refused, unknown host, no route, connect timeout: the origin is not there; retrying now won't help
            c.disconnect();
            throw new OriginFailure(502, "origin_unreachable", "cannot reach origin " + target.getHost()
                    + ": " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " " + SafeText.scrub(e.getMessage())));
        }
        try {
            int status = c.getResponseCode();
            InputStream body = status >= 400 ? c.getErrorStream() : c.getInputStream();
            if (body == null) {
                body = InputStream.nullInputStream();
            }
            return new Answer(status, body, c.getHeaderField("Location"), c.getHeaderField("Content-Length"),
                    c.getHeaderField("Content-Range"), c.getHeaderField("Content-Type"));
        } catch (IOException e) {
            // connected, then cut off (reset, no answer in time): worth another try
            c.disconnect();
            throw new OriginFailure(502, "origin_unreachable", "origin " + target.getHost() + " cut the request off: "
                    + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " " + SafeText.scrub(e.getMessage())), true);
        }
    }

    private static long parseLength(String value) {
        if (value == null) {
            return -1;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static void close(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }

    /** {@code bytes 10-99/100} → 10; -1 when unreadable. */
    static long startFromContentRange(String value) {
        String v = value.trim();
        int dash = v.indexOf('-');
        int space = v.indexOf(' ');
        if (!v.regionMatches(true, 0, "bytes", 0, 5) || dash < 0 || space < 0 || space > dash) {
            return -1;
        }
        try {
            return Long.parseLong(v.substring(space + 1, dash).trim());
        } catch (NumberFormatException e) {
            return -1;
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
}
