package io.dfly.it.harness;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real HTTP origin on loopback for tests: serves registered files with Content-Length, HEAD and
 * single-range {@code Range} requests, counts bytes and requests per path, logs the headers it was
 * sent, and can be throttled (a shared bytes/s cap over all connections, like an uplink).
 *
 * <p>Fault modes ({@link Fault}), switched per path prefix with {@link #faults(String, Set)}: answer 1
 * request in 3 with 503, reset the TCP connection (RST) in the middle of a body, ignore {@code Range}
 * (200 and the full body), hold the response headers back. Clients talk to a small TCP relay in front of
 * the HTTP server, which is what lets a handler reset its client's connection for real.
 */
public final class OriginServer implements AutoCloseable {
    private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-(\\d*)");

    /** What the origin does wrong, per path prefix ({@link #faults(String, Set)}). */
    public enum Fault {
        /** Requests 1, 4, 7, … of a path (every method) answer 503 with a short body: the first one fails. */
        FAIL_EVERY_THIRD,
        /** GETs 1, 3, 5, … of a path send half of their body, then the connection is reset (TCP RST). */
        RESET_MID_BODY,
        /** A {@code Range} request is answered 200 with the whole body, as origins without range support do. */
        IGNORE_RANGE,
        /** Every request waits {@link #headerDelay(Duration)} before its answer (a slow origin). */
        SLOW_HEADERS
    }

    /** One request as the origin saw it. */
    public record Request(String method, String path, String range, Map<String, List<String>> headers) {
    }

    private final HttpServer server;
    private final Relay relay;
    private final Map<String, Set<Fault>> faults = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> requestNumbers = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> getNumbers = new ConcurrentHashMap<>();
    private final AtomicLong faultsInjected = new AtomicLong();
    private volatile Duration headerDelay = Duration.ofSeconds(2);
    private final Map<String, Path> files = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> bytesByPath = new ConcurrentHashMap<>();
    private final AtomicLong bytesSent = new AtomicLong();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private volatile long bytesPerSecond;
    private final Object throttleLock = new Object();
    private long throttleWindowStart = System.nanoTime();
    private long throttleWindowBytes;

    public OriginServer() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/", this::handle);
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "origin-server");
            t.setDaemon(true);
            return t;
        }));
        server.start();
        relay = new Relay(server.getAddress().getPort());
    }

    /**
     * Makes every path starting with {@code pathPrefix} misbehave as {@code modes} say (the longest
     * matching prefix wins; an empty set switches a prefix back to normal). Request counters for the
     * every-third and every-other rules start again at 1.
     */
    public void faults(String pathPrefix, Set<Fault> modes) {
        faults.put(pathPrefix, modes.isEmpty() ? Set.of() : EnumSet.copyOf(modes));
        requestNumbers.keySet().removeIf(p -> p.startsWith(pathPrefix));
        getNumbers.keySet().removeIf(p -> p.startsWith(pathPrefix));
    }

    /** Switches every fault off. */
    public void clearFaults() {
        faults.clear();
    }

    /** How long {@link Fault#SLOW_HEADERS} holds an answer back (default 2 s). */
    public void headerDelay(Duration delay) {
        this.headerDelay = delay;
    }

    /** 503s, resets and ignored ranges sent so far (proof that a fault case really met its fault). */
    public long faultsInjected() {
        return faultsInjected.get();
    }

    private Set<Fault> faultsFor(String path) {
        String best = null;
        for (String prefix : faults.keySet()) {
            if (path.startsWith(prefix) && (best == null || prefix.length() > best.length())) {
                best = prefix;
            }
        }
        return best == null ? Set.of() : faults.get(best);
    }

    /** Serves {@code file} at {@code path} (e.g. {@code /files/big.bin}); returns the full URL. */
    public String serve(String path, Path file) {
        files.put(path, file);
        return url(path);
    }

    /** Writes {@code size} random bytes to a temp file under {@code dir} and serves it at {@code path}. */
    public String serveRandom(String path, Path dir, long size) {
        try {
            Path f = dir.resolve(path.replace('/', '_'));
            writeRandom(f, size);
            return serve(path, f);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static void writeRandom(Path file, long size) throws IOException {
        SecureRandom random = new SecureRandom();
        byte[] buf = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(file)) {
            long left = size;
            while (left > 0) {
                random.nextBytes(buf);
                int n = (int) Math.min(buf.length, left);
                out.write(buf, 0, n);
                left -= n;
            }
        }
    }

    public String url(String path) {
        return "http://127.0.0.1:" + port() + path;
    }

    public int port() {
        return relay.port();
    }

    /** Caps the bytes/s of all responses together; 0 = unlimited. */
    public void throttle(long bytesPerSecond) {
        this.bytesPerSecond = bytesPerSecond;
    }

    /** Body bytes sent, all paths. */
    public long bytesSent() {
        return bytesSent.get();
    }

    /** Body bytes sent for one path. */
    public long bytesSent(String path) {
        AtomicLong n = bytesByPath.get(path);
        return n == null ? 0 : n.get();
    }

    public List<Request> requests() {
        return List.copyOf(requests);
    }

    /** GET requests (any range) for one path. */
    public long getCount(String path) {
        return requests.stream().filter(r -> r.method().equals("GET") && r.path().equals(path)).count();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            String range = ex.getRequestHeaders().getFirst("Range");
            requests.add(new Request(ex.getRequestMethod(), path, range, Map.copyOf(ex.getRequestHeaders())));
            Set<Fault> fault = faultsFor(path);
            int number = requestNumbers.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
            boolean get = ex.getRequestMethod().equals("GET");
            int getNumber = get ? getNumbers.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet() : 0;
            if (fault.contains(Fault.SLOW_HEADERS)) {
                sleep(headerDelay.toMillis());
            }
            if (fault.contains(Fault.FAIL_EVERY_THIRD) && number % 3 == 1) {
                faultsInjected.incrementAndGet();
                byte[] body = "origin busy (test fault: 1 request in 3 fails)".getBytes();
                ex.sendResponseHeaders(503, body.length);
                ex.getResponseBody().write(body);
                return;
            }
            if (fault.contains(Fault.IGNORE_RANGE) && range != null) {
                faultsInjected.incrementAndGet();
                range = null;
            }
            boolean resetHalfway = get && fault.contains(Fault.RESET_MID_BODY) && getNumber % 2 == 1;
            Path file = files.get(path);
            if (file == null || !Files.exists(file)) {
                byte[] body = "not found".getBytes();
                ex.sendResponseHeaders(404, body.length);
                ex.getResponseBody().write(body);
                return;
            }
            long size = Files.size(file);
            long start = 0;
            long end = size - 1;
            int status = 200;
            if (range != null) {
                Matcher m = RANGE.matcher(range.trim());
                if (m.matches()) {
                    start = Long.parseLong(m.group(1));
                    if (!m.group(2).isEmpty()) {
                        end = Math.min(end, Long.parseLong(m.group(2)));
                    }
                    if (start > end || start >= size) {
                        ex.getResponseHeaders().set("Content-Range", "bytes */" + size);
                        ex.sendResponseHeaders(416, -1);
                        return;
                    }
                    status = 206;
                    ex.getResponseHeaders().set("Content-Range", "bytes " + start + "-" + end + "/" + size);
                }
            }
            long length = end - start + 1;
            if (!fault.contains(Fault.IGNORE_RANGE)) {
                ex.getResponseHeaders().set("Accept-Ranges", "bytes");
            }
            ex.getResponseHeaders().set("Content-Type", "application/octet-stream");
            if (ex.getRequestMethod().equals("HEAD")) {
                ex.getResponseHeaders().set("Content-Length", String.valueOf(length));
                ex.sendResponseHeaders(status, -1);
                return;
            }
            ex.sendResponseHeaders(status, length);
            AtomicLong perPath = bytesByPath.computeIfAbsent(path, p -> new AtomicLong());
            try (InputStream in = Files.newInputStream(file)) {
                in.skipNBytes(start);
                byte[] buf = new byte[64 * 1024];
                long left = length;
                long resetAt = resetHalfway ? length / 2 : -1;
                OutputStream out = ex.getResponseBody();
                while (left > 0) {
                    if (resetAt >= 0 && length - left >= resetAt) {
                        faultsInjected.incrementAndGet();
                        out.flush();
                        relay.reset(ex.getRemoteAddress().getPort());
                        return;
                    }
                    long cap = resetAt >= 0 ? Math.max(1, resetAt - (length - left)) : buf.length;
                    int n = in.read(buf, 0, (int) Math.min(Math.min(buf.length, cap), left));
                    if (n < 0) {
                        break;
                    }
                    pace(n);
                    out.write(buf, 0, n);
                    left -= n;
                    bytesSent.addAndGet(n);
                    perPath.addAndGet(n);
                }
            }
        }
    }

    private void pace(int n) {
        long rate = bytesPerSecond;
        if (rate <= 0) {
            return;
        }
        long sleepNanos;
        synchronized (throttleLock) {
            throttleWindowBytes += n;
            long due = throttleWindowStart + throttleWindowBytes * 1_000_000_000L / rate;
            sleepNanos = due - System.nanoTime();
            if (sleepNanos < -1_000_000_000L) { // idle for a while: restart the window
                throttleWindowStart = System.nanoTime();
                throttleWindowBytes = n;
                sleepNanos = 0;
            }
        }
        if (sleepNanos > 0) {
            try {
                Thread.sleep(sleepNanos / 1_000_000, (int) (sleepNanos % 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        relay.close();
        server.stop(0);
    }

    /**
     * The port clients see: a TCP relay to the HTTP server, one pair of pump threads per connection. It
     * knows which client connection each server-side connection belongs to, so a handler can reset its
     * client (SO_LINGER 0, then close: the client reads "connection reset").
     */
    private static final class Relay implements AutoCloseable {
        private final ServerSocket listener;
        private final int target;
        /** server-side connection's local port → the client's socket */
        private final Map<Integer, Socket[]> pairs = new ConcurrentHashMap<>();
        private volatile boolean closed;

        Relay(int target) {
            this.target = target;
            try {
                listener = new ServerSocket(0, 256, InetAddress.getLoopbackAddress());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Thread t = new Thread(this::accept, "origin-relay");
            t.setDaemon(true);
            t.start();
        }

        int port() {
            return listener.getLocalPort();
        }

        private void accept() {
            while (!closed) {
                Socket client;
                try {
                    client = listener.accept();
                } catch (IOException e) {
                    return;
                }
                try {
                    Socket upstream = new Socket(InetAddress.getLoopbackAddress(), target);
                    client.setTcpNoDelay(true);
                    upstream.setTcpNoDelay(true);
                    Socket[] pair = {client, upstream};
                    int key = upstream.getLocalPort();
                    pairs.put(key, pair);
                    pump(client, upstream, pair, key);
                    pump(upstream, client, pair, key);
                } catch (IOException e) {
                    closeQuietly(client);
                }
            }
        }

        private void pump(Socket from, Socket to, Socket[] pair, int key) {
            Thread t = new Thread(() -> {
                byte[] buf = new byte[64 * 1024];
                try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                    int n;
                    while ((n = in.read(buf)) >= 0) {
                        out.write(buf, 0, n);
                    }
                    to.shutdownOutput();
                } catch (IOException ignored) {
                    // one side went away (or was reset): close both
                } finally {
                    pairs.remove(key, pair);
                    closeQuietly(pair[0]);
                    closeQuietly(pair[1]);
                }
            }, "origin-relay-pump");
            t.setDaemon(true);
            t.start();
        }

        /** Resets the client connection relayed through the server-side connection from {@code serverSidePort}. */
        void reset(int serverSidePort) {
            Socket[] pair = pairs.remove(serverSidePort);
            if (pair == null) {
                return;
            }
            try {
                Thread.sleep(50); // let the pump pass on what the handler wrote: a reset mid-body, not before it
                pair[0].setSoLinger(true, 0);
            } catch (IOException | InterruptedException ignored) {
                // closing anyway
            }
            closeQuietly(pair[0]);
            closeQuietly(pair[1]);
        }

        private static void closeQuietly(Socket s) {
            try {
                s.close();
            } catch (IOException ignored) {
                // gone
            }
        }

        @Override
        public void close() {
            closed = true;
            try {
                listener.close();
            } catch (IOException ignored) {
                // gone
            }
            pairs.values().forEach(p -> {
                closeQuietly(p[0]);
                closeQuietly(p[1]);
            });
        }
    }
}
