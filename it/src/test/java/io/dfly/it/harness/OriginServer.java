package io.dfly.it.harness;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
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
 */
public final class OriginServer implements AutoCloseable {
    private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-(\\d*)");

    /** One request as the origin saw it. */
    public record Request(String method, String path, String range, Map<String, List<String>> headers) {
    }

    private final HttpServer server;
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
        return server.getAddress().getPort();
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
            ex.getResponseHeaders().set("Accept-Ranges", "bytes");
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
                OutputStream out = ex.getResponseBody();
                while (left > 0) {
                    int n = in.read(buf, 0, (int) Math.min(buf.length, left));
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

    @Override
    public void close() {
        server.stop(0);
    }
}
