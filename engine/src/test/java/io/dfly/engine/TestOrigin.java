package io.dfly.engine;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A tiny HTTP origin for engine unit tests: serves byte arrays, answers redirects, counts GETs, remembers
 * the last headers (and those of each path). Faults on demand: 503s, a status for every request, a body
 * broken off after some bytes, Range honoured or ignored, the file changing after the first request.
 */
final class TestOrigin implements AutoCloseable {
    private final HttpServer server;
    private final Map<String, byte[]> files = new ConcurrentHashMap<>();
    final AtomicInteger gets = new AtomicInteger();
    volatile Map<String, java.util.List<String>> lastHeaders;
    final Map<String, Map<String, java.util.List<String>>> headersByPath = new ConcurrentHashMap<>();
    private final Map<String, String> redirects = new ConcurrentHashMap<>();
    /** The next this-many requests answer 503. */
    final AtomicInteger fail503 = new AtomicInteger();
    /** When not 0, every request answers this status. */
    volatile int status;
    /** When >= 0, the next answer announces the whole body but breaks off after this many bytes (once). */
    final java.util.concurrent.atomic.AtomicLong breakAfter = new java.util.concurrent.atomic.AtomicLong(-1);
    /** Whether {@code Range: bytes=N-} is answered with 206 (else it is ignored: 200, the whole file). */
    volatile boolean honorRange;
    /** When set, served instead of the file from the second request on (the file changed). */
    volatile byte[] changedTo;
    /** The Range header of every request of a served file ("" when none). */
    final java.util.List<String> ranges = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** Body bytes sent. */
    final java.util.concurrent.atomic.AtomicLong bytesSent = new java.util.concurrent.atomic.AtomicLong();
    /** Runs at each request of a served file, before it is answered. */
    volatile Runnable onRequest;

    TestOrigin() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "test-origin");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/", ex -> {
            try (ex) {
                lastHeaders = Map.copyOf(ex.getRequestHeaders());
                headersByPath.put(ex.getRequestURI().getPath(), Map.copyOf(ex.getRequestHeaders()));
                String to = redirects.get(ex.getRequestURI().getPath());
                if (to != null) {
                    ex.getResponseHeaders().set("Location", to);
                    ex.sendResponseHeaders(302, -1);
                    return;
                }
                byte[] body = files.get(ex.getRequestURI().getPath());
                if (body == null) {
                    ex.sendResponseHeaders(404, -1);
                    return;
                }
                int n = gets.incrementAndGet();
                String range = ex.getRequestHeaders().getFirst("Range");
                ranges.add(range == null ? "" : range);
                Runnable hook = onRequest;
                if (hook != null) {
                    hook.run();
                }
                if (status != 0) {
                    ex.sendResponseHeaders(status, -1);
                    return;
                }
                if (fail503.getAndUpdate(v -> Math.max(0, v - 1)) > 0) {
                    ex.sendResponseHeaders(503, -1);
                    return;
                }
                if (changedTo != null && n > 1) {
                    body = changedTo;
                }
                int from = 0;
                if (honorRange && range != null && range.startsWith("bytes=") && range.endsWith("-")) {
                    from = Integer.parseInt(range.substring(6, range.length() - 1));
                    ex.getResponseHeaders().set("Content-Range", "bytes " + from + "-" + (body.length - 1) + "/" + body.length);
                    ex.sendResponseHeaders(206, body.length - from);
                } else {
                    ex.sendResponseHeaders(200, body.length == 0 ? -1 : body.length);
                }
                long cut = breakAfter.getAndSet(-1);
                int len = body.length - from;
                if (cut >= 0 && cut < len) {
                    ex.getResponseBody().write(body, from, (int) cut);
                    ex.getResponseBody().flush();
                    bytesSent.addAndGet(cut);
                    try {
                        Thread.sleep(300); // the client reads what was sent before the connection drops
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return; // the exchange closes with the body short: the connection is dropped
                }
                ex.getResponseBody().write(body, from, len);
                bytesSent.addAndGet(len);
            }
        });
        server.start();
    }

    String serve(String path, byte[] body) {
        files.put(path, body);
        return url(path);
    }

    /** GET {@code path} answers 302 to {@code location}; returns the URL of {@code path}. */
    String redirect(String path, String location) {
        redirects.put(path, location);
        return url(path);
    }

    String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    /** The same server by another name, {@code localhost} (another origin for the same-origin rules). */
    String localhostUrl(String path) {
        return "http://localhost:" + server.getAddress().getPort() + path;
    }

    int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
