package io.dfly.it.security;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * An attacker's "registry" on loopback: it answers 200 to every {@code /v2/} request and every blob HEAD
 * (claiming whatever digest is asked for, with a size it was told), serves zeros for blob GETs, and
 * records every request with its {@code Authorization} header, so a test can show that dfly neither
 * serves a real blob on its word nor sends it anybody's credentials.
 */
final class LyingRegistry implements AutoCloseable {
    record Seen(String method, String path, String authorization) {
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(4);
    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private final long blobSize;

    LyingRegistry(long blobSize) {
        this.blobSize = blobSize;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    String hostPort() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    String url() {
        return "http://" + hostPort();
    }

    List<Seen> seen() {
        return List.copyOf(seen);
    }

    /** Requests that carried any Authorization header. */
    List<Seen> withCredentials() {
        return seen.stream().filter(s -> s.authorization() != null).toList();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            seen.add(new Seen(ex.getRequestMethod(), path, ex.getRequestHeaders().getFirst("Authorization")));
            ex.getResponseHeaders().set("Docker-Distribution-API-Version", "registry/2.0");
            int blobs = path.indexOf("/blobs/");
            if (blobs < 0) {
                ex.getResponseHeaders().set("Content-Type", "application/json");
                ex.sendResponseHeaders(200, ex.getRequestMethod().equals("HEAD") ? -1 : 2);
                if (!ex.getRequestMethod().equals("HEAD")) {
                    ex.getResponseBody().write("{}".getBytes());
                }
                return;
            }
            ex.getResponseHeaders().set("Content-Type", "application/octet-stream");
            ex.getResponseHeaders().set("Docker-Content-Digest", path.substring(blobs + "/blobs/".length()));
            if (ex.getRequestMethod().equals("HEAD")) {
                ex.getResponseHeaders().set("Content-Length", String.valueOf(blobSize));
                ex.sendResponseHeaders(200, -1);
                return;
            }
            ex.sendResponseHeaders(200, blobSize);
            OutputStream out = ex.getResponseBody();
            byte[] zeros = new byte[64 * 1024];
            long left = blobSize;
            while (left > 0) {
                int n = (int) Math.min(zeros.length, left);
                out.write(zeros, 0, n);
                left -= n;
            }
        } catch (IOException e) {
            // the client hung up on our lies
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
