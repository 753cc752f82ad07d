package io.dfly.engine;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.dfly.core.protocol.PieceHeaders;
import io.dfly.core.security.HostTokens;
import io.dfly.core.security.PieceGrants;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The engine's peer upload port: {@code GET /peer/tasks/{taskId}/pieces/{n}} on a JDK HTTP server (dfget
 * alone, and a dfdaemon's {@code dfly.dfdaemon.upload-port}). Who gets which piece is
 * {@link PieceUploadService#answer}: enrolled hosts with the supernode's grant only. Bounded: {@value #THREADS}
 * threads, {@value #QUEUE} accepted requests waiting for one (more are closed at once), a TCP backlog of
 * {@value #BACKLOG}, and {@value #MAX_REQUEST_SECONDS} s to send a request's headers.
 */
public final class PeerUploadServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(PeerUploadServer.class.getName());
    private static final String PREFIX = "/peer/tasks/";
    static final int THREADS = 8;
    static final int QUEUE = 64;
    static final int BACKLOG = 64;
    /**
     * Seconds a client may take to send its request line and headers before the JDK server drops it, so a
     * few silent connections cannot hold every thread (a JVM-wide JDK setting; left alone when already set).
     */
    static final String MAX_REQUEST_SECONDS = "20";

    static {
        if (System.getProperty("sun.net.httpserver.maxReqTime") == null) {
            System.setProperty("sun.net.httpserver.maxReqTime", MAX_REQUEST_SECONDS);
        }
        // no Nagle delay: a small answer (a small file's piece, a refusal) written after its headers would
        // otherwise wait for the client's delayed ACK, ~40 ms (the engine's test servers measured it)
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    private final HttpServer server;
    private final ThreadPoolExecutor executor;
    private final PieceUploadService service;

    /** On all interfaces. */
    public PeerUploadServer(int port, PieceUploadService service) {
        this(null, port, service);
    }

    /**
     * @param bindAddress address to listen on; null or blank = all interfaces
     * @throws UncheckedIOException naming the port when it cannot be opened (in use, not permitted)
     */
    public PeerUploadServer(String bindAddress, int port, PieceUploadService service) {
        this.service = service;
        InetSocketAddress at;
        try {
            at = bindAddress == null || bindAddress.isBlank() ? new InetSocketAddress(port)
                    : new InetSocketAddress(InetAddress.getByName(bindAddress.trim()), port);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the peer upload port " + port + ": unknown address " + bindAddress, e);
        }
        try {
            server = HttpServer.create(at, BACKLOG);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the peer upload port " + (bindAddress == null ? "" : bindAddress + ":")
                    + port + ": " + e.getMessage(), e);
        }
        executor = new ThreadPoolExecutor(THREADS, THREADS, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(QUEUE), r -> {
            Thread t = new Thread(r, "dfly-upload");
            t.setDaemon(true);
            return t;
        }, new ThreadPoolExecutor.AbortPolicy()); // the JDK server closes a connection its executor rejects
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getRawPath();
            if (path == null || !path.startsWith(PREFIX)) {
                send(ex, 404, "not_found", "no such path");
                return;
            }
            if (!ex.getRequestMethod().equals("GET")) {
                send(ex, 405, "method_not_allowed", "method not allowed");
                return;
            }
            // /peer/tasks/{taskId}/pieces/{n}
            String[] parts = path.substring(PREFIX.length()).split("/", -1);
            if (parts.length != 3 || !parts[1].equals("pieces")) {
                send(ex, 404, "not_found", "no such path");
                return;
            }
            PieceUploadService.Answer answer = service.answer(parts[0], parts[2], path,
                    ex.getRequestHeaders().getFirst(HostTokens.HEADER), ex.getRequestHeaders().getFirst(PieceGrants.HEADER));
            if (answer instanceof PieceUploadService.Refuse r) {
                send(ex, r.status(), r.error(), r.message());
                return;
            }
            PieceUploadService.Piece piece = ((PieceUploadService.Send) answer).piece();
            ex.getResponseHeaders().set("Content-Type", "application/octet-stream");
            ex.getResponseHeaders().set(PieceHeaders.PIECE_DIGEST, piece.digest());
            ex.sendResponseHeaders(200, piece.length() == 0 ? -1 : piece.length());
            service.write(piece, ex.getResponseBody());
        } catch (IOException e) {
            LOG.log(Level.FINE, "piece upload aborted", e);
        }
    }

    private static void send(HttpExchange ex, int status, String code, String message) throws IOException {
        byte[] body = SupernodeClient.JSON.writeValueAsBytes(new io.dfly.core.protocol.ErrorBody(code, message));
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
