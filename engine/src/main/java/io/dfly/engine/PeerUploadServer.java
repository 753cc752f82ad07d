package io.dfly.engine;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.dfly.core.protocol.PieceHeaders;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The in-process peer upload server (dfget without a dfdaemon): {@code GET /peer/tasks/{taskId}/pieces/{n}}
 * on a JDK HTTP server. The serving logic is {@link PieceUploadService}.
 */
public final class PeerUploadServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(PeerUploadServer.class.getName());
    private static final String PREFIX = "/peer/tasks/";

    private final HttpServer server;
    private final ExecutorService executor;
    private final PieceUploadService service;

    public PeerUploadServer(int port, PieceUploadService service) {
        this.service = service;
        try {
            server = HttpServer.create(new InetSocketAddress(port), 64);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open peer upload port " + port, e);
        }
        executor = Executors.newFixedThreadPool(8, r -> {
            Thread t = new Thread(r, "dfly-upload");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext(PREFIX, this::handle);
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            if (!ex.getRequestMethod().equals("GET")) {
                send(ex, 405, "method not allowed");
                return;
            }
            // /peer/tasks/{taskId}/pieces/{n}
            String[] parts = ex.getRequestURI().getRawPath().substring(PREFIX.length()).split("/", -1);
            if (parts.length != 3 || !parts[1].equals("pieces")) {
                send(ex, 404, "no such path");
                return;
            }
            Optional<PieceUploadService.Piece> piece;
            try {
                piece = service.find(parts[0], parts[2]);
            } catch (IllegalArgumentException e) {
                send(ex, 400, e.getMessage());
                return;
            }
            if (piece.isEmpty()) {
                send(ex, 404, "piece not held here");
                return;
            }
            ex.getResponseHeaders().set("Content-Type", "application/octet-stream");
            ex.getResponseHeaders().set(PieceHeaders.PIECE_DIGEST, piece.get().digest());
            ex.sendResponseHeaders(200, piece.get().length() == 0 ? -1 : piece.get().length());
            service.write(piece.get(), ex.getResponseBody());
        } catch (IOException e) {
            LOG.log(Level.FINE, "piece upload aborted", e);
        }
    }

    private static void send(HttpExchange ex, int status, String message) throws IOException {
        String code = status == 400 ? "bad_request" : status == 404 ? "not_found" : "error";
        byte[] body = ("{\"error\":\"" + code + "\",\"message\":\"" + message.replace("\"", "'") + "\"}")
                .getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, body.length);
        ex.getResponseBody().write(body);
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
