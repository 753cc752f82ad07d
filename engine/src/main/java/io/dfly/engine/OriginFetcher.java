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
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Opens the origin URL for a back-to-source download, with the caller's headers (never logged). The
 * origin policy is checked on the first URL and on every redirect hop (followed here, at most
 * {@value #MAX_REDIRECTS}, never by the HTTP client); credential headers go only to the origin they were
 * given for (same scheme, host and port), so a redirect to a CDN or another host gets none. Messages show
 * URLs through {@link SafeUrls#display} only: no query, no user info.
 */
public final class OriginFetcher implements AutoCloseable {
    static final int MAX_REDIRECTS = 5;
    /** A body that sends no byte for this long is closed (the download retries it or fails), never waited on forever. */
    static final long DEFAULT_IDLE_MILLIS = 30_000;
    // the engine asks for the whole file (or the rest of it, itself): a caller's Range would cut it short
    private static final Set<String> RESTRICTED = Set.of("host", "connection", "content-length", "expect", "upgrade",
            "range", "if-range");
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

    /** Milliseconds an origin body may stay silent before it is closed (tests shorten it). */
    volatile long idleMillis = DEFAULT_IDLE_MILLIS;
    private final ScheduledExecutorService idleWatch = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "dfly-origin-watchdog");
        t.setDaemon(true);
        return t;
    });

    /**
     * An open origin response: status 200 (the whole file; {@code contentLength} -1 when not announced) or,
     * for a request from byte {@code rangeStart} on, 206 with that part ({@code totalLength} the file's length
     * from {@code Content-Range}, -1 when not told).
     */
    public record Opened(InputStream body, long contentLength, int status, long rangeStart, long totalLength) {
        public Opened(InputStream body, long contentLength) {
            this(body, contentLength, 200, 0, contentLength);
        }
    }

    /** A fault worth another try: HTTP 5xx, the origin unreachable or breaking off, a body shorter than announced. */
    static final class OriginFaultException extends DownloadException {
        OriginFaultException(String message, Throwable cause) {
            super(Kind.ORIGIN_ERROR, message, cause);
        }
    }

    public Opened open(String url, Map<String, String> headers) throws DownloadException, InterruptedException {
        return open(url, headers, 0);
    }

    /**
     * Opens the URL, asking for bytes {@code from}- when {@code from > 0} ({@code Range}); the origin may answer
     * 206 with them or ignore the range (200, the whole file).
     *
     * @throws OriginFaultException a fault worth retrying (5xx, unreachable, reset)
     * @throws DownloadException    a permanent error: 404/410, 401/403, another status, a bad redirect, the policy
     */
    public Opened open(String url, Map<String, String> headers, long from) throws DownloadException, InterruptedException {
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
            if (from > 0) {
                b.setHeader("Range", "bytes=" + from + "-");
            }
            HttpResponse<InputStream> r;
            try {
                r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            } catch (IOException e) {
                throw new OriginFaultException("origin " + hostOf(current) + " unreachable (" + SupernodeClient.describe(e) + ")", e);
            } catch (IllegalArgumentException e) {
                throw new DownloadException(DownloadException.Kind.BAD_REQUEST, "cannot request "
                        + SafeUrls.display(current) + ": " + e.getMessage());
            }
            int status = r.statusCode();
            if (status == 200) {
                long len = r.headers().firstValueAsLong("Content-Length").orElse(-1);
                return new Opened(guard(r.body()), len, 200, 0, len);
            }
            if (status == 206 && from > 0) {
                long len = r.headers().firstValueAsLong("Content-Length").orElse(-1);
                long[] range = contentRange(r.headers().firstValue("Content-Range").orElse(""));
                if (range == null) {
                    close(r);
                    throw new DownloadException(DownloadException.Kind.ORIGIN_ERROR, "origin answered HTTP 206 without a"
                            + " valid Content-Range for " + SafeUrls.display(current));
                }
                return new Opened(guard(r.body()), len, 206, range[0], range[1]);
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
            String message = "origin answered HTTP " + status + " for " + SafeUrls.display(current);
            if (status >= 500) {
                throw new OriginFaultException(message, null);
            }
            DownloadException.Kind kind = switch (status) {
                case 404, 410 -> DownloadException.Kind.ORIGIN_NOT_FOUND;
                case 401, 403 -> DownloadException.Kind.ORIGIN_DENIED;
                default -> DownloadException.Kind.ORIGIN_ERROR;
            };
            throw new DownloadException(kind, message);
        }
    }

    /** {@code [start, total]} of {@code bytes start-end/total} (total -1 for {@code *}), or null. */
    static long[] contentRange(String header) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\s*bytes\\s+(\\d+)-(\\d+)/(\\d+|\\*)\\s*",
                java.util.regex.Pattern.CASE_INSENSITIVE).matcher(header);
        if (!m.matches()) {
            return null;
        }
        try {
            long start = Long.parseLong(m.group(1));
            long end = Long.parseLong(m.group(2));
            long total = m.group(3).equals("*") ? -1 : Long.parseLong(m.group(3));
            if (end < start || total >= 0 && end >= total) {
                return null;
            }
            return new long[]{start, total};
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** The body, closed by the watchdog when it sends nothing for {@link #idleMillis} (a blocked read then fails). */
    private InputStream guard(InputStream body) {
        IdleGuard g = new IdleGuard(body);
        g.arm();
        return g;
    }

    private final class IdleGuard extends java.io.FilterInputStream {
        private volatile long lastByte = System.nanoTime();
        private volatile boolean done;
        private volatile boolean timedOut;

        IdleGuard(InputStream in) {
            super(in);
        }

        void arm() {
            if (done) {
                return;
            }
            try {
                idleWatch.schedule(this::check, Math.max(10, idleMillis / 4), java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // shutting down: the engine closes everything
            }
        }

        private void check() {
            if (done) {
                return;
            }
            if ((System.nanoTime() - lastByte) / 1_000_000 >= idleMillis) {
                timedOut = true;
                try {
                    in.close();
                } catch (IOException ignored) {
                    // closed anyway
                }
                return;
            }
            arm();
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                int n = in.read(b, off, len);
                lastByte = System.nanoTime();
                return n;
            } catch (IOException e) {
                if (timedOut) {
                    throw new java.net.SocketTimeoutException("origin sent nothing for " + idleMillis / 1000 + " s");
                }
                throw e;
            }
        }

        @Override
        public void close() throws IOException {
            done = true;
            in.close();
        }
    }

    @Override
    public void close() {
        idleWatch.shutdownNow();
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
