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
 * the last headers (and those of each path).
 */
final class TestOrigin implements AutoCloseable {
    private final HttpServer server;
    private final Map<String, byte[]> files = new ConcurrentHashMap<>();
    final AtomicInteger gets = new AtomicInteger();
    volatile Map<String, java.util.List<String>> lastHeaders;
    final Map<String, Map<String, java.util.List<String>>> headersByPath = new ConcurrentHashMap<>();
    private final Map<String, String> redirects = new ConcurrentHashMap<>();

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
                gets.incrementAndGet();
                ex.sendResponseHeaders(200, body.length == 0 ? -1 : body.length);
                ex.getResponseBody().write(body);
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
