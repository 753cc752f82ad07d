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

/** A tiny HTTP origin for engine unit tests: serves byte arrays, counts GETs, remembers the last headers. */
final class TestOrigin implements AutoCloseable {
    private final HttpServer server;
    private final Map<String, byte[]> files = new ConcurrentHashMap<>();
    final AtomicInteger gets = new AtomicInteger();
    volatile Map<String, java.util.List<String>> lastHeaders;

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

    String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
