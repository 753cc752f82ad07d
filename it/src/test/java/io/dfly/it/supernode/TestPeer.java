package io.dfly.it.supernode;

import io.dfly.core.security.ClusterSecret;
import io.dfly.core.security.HostTokens;
import io.dfly.core.security.PieceGrants;
import io.dfly.it.harness.TestSecrets;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.dfly.core.piece.Digests;
import io.dfly.core.protocol.PieceAssignment;
import io.dfly.core.protocol.PieceHeaders;
import io.dfly.core.protocol.PieceReport;
import io.dfly.core.protocol.PieceSet;
import io.dfly.core.protocol.PullAction;
import io.dfly.core.protocol.PullRequest;
import io.dfly.core.protocol.PullResponse;
import io.dfly.core.protocol.RegisterRequest;
import io.dfly.core.protocol.RegisterResponse;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A minimal peer written from docs/PROTOCOL.md, driven by test code: registers, pulls, fetches
 * assigned pieces (verifying each digest), reports, and serves the pieces it holds to other peers.
 * Fails over to the next supernode in its list when one does not answer.
 */
final class TestPeer implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    final String peerId;
    private final Path file;
    private final HttpServer server;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
    private final ExecutorService fetchers = Executors.newFixedThreadPool(4);
    private final BitSet have = new BitSet();
    private final Map<Integer, String> digests = new ConcurrentHashMap<>();
    private volatile int pieceSize;
    private volatile long length = -1;
    final AtomicLong fromPeers = new AtomicLong();
    final AtomicLong fromSupernode = new AtomicLong();
    final AtomicLong uploaded = new AtomicLong();
    final AtomicLong failedPieces = new AtomicLong();

    private final HostTokens tokens;
    private final PieceGrants grants;

    /** A peer enrolled with the test run's cluster secret. */
    TestPeer(String peerId, Path file) throws IOException {
        this(peerId, file, TestSecrets.secret());
    }

    /** A peer holding {@code secret} (another cluster's: an outsider). */
    TestPeer(String peerId, Path file, ClusterSecret secret) throws IOException {
        this.peerId = peerId;
        this.file = file;
        this.tokens = secret.hostTokens();
        this.grants = secret.pieceGrants();
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 32);
        server.createContext("/peer/tasks/", this::servePiece);
        server.setExecutor(Executors.newFixedThreadPool(8));
        server.start();
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Downloads {@code url} through the supernodes (tried in order); returns the task id. */
    String download(List<String> supernodes, String url, Map<String, String> headers) throws Exception {
        int current = 0;
        RegisterResponse reg = null;
        while (reg == null) {
            try {
                reg = post(supernodes.get(current) + "/api/v1/tasks",
                        new RegisterRequest(url, headers, null, null, peerId, baseUrl()), RegisterResponse.class);
            } catch (IOException e) {
                current = next(supernodes, current, e);
            }
        }
        String taskId = reg.taskId();
        pieceSize = reg.pieceSize();
        length = reg.contentLength();
        while (true) {
            PullResponse pull;
            String sn = supernodes.get(current);
            try {
                String haveText;
                synchronized (have) {
                    haveText = PieceSet.encode(have);
                }
                pull = post(sn + "/api/v1/tasks/" + taskId + "/pull", new PullRequest(peerId, haveText, 4), PullResponse.class);
            } catch (IOException e) {
                current = next(supernodes, current, e);
                continue;
            }
            if (pull.action() == PullAction.DONE) {
                length = pull.contentLength();
                return taskId;
            }
            if (pull.action() == PullAction.FAILED) {
                throw new IllegalStateException("task failed: " + pull.reason());
            }
            if (pull.action() == PullAction.WAIT) {
                Thread.sleep(Math.max(20, pull.waitMillis()));
                continue;
            }
            List<Future<PieceReport>> running = new ArrayList<>();
            for (PieceAssignment a : pull.pieces()) {
                running.add(fetchers.submit(() -> fetch(a)));
            }
            for (Future<PieceReport> f : running) {
                PieceReport report = f.get();
                try {
                    postNoBody(sn + "/api/v1/tasks/" + taskId + "/reports", report);
                } catch (IOException e) {
                    // the supernode went away: the next pull goes elsewhere and the piece state is in "have"
                }
            }
        }
    }

    private static int next(List<String> supernodes, int current, IOException cause) throws IOException {
        if (supernodes.size() == 1) {
            throw cause;
        }
        return (current + 1) % supernodes.size();
    }

    private PieceReport fetch(PieceAssignment a) {
        try {
            URI source = URI.create(a.sourceUrl());
            HttpRequest.Builder get = HttpRequest.newBuilder(source).timeout(Duration.ofSeconds(30))
                    .header(HostTokens.HEADER, tokens.authorization(peerId, "GET", source.getRawPath()));
            if (a.grant() != null) {
                get.header(PieceGrants.HEADER, a.grant());
            }
            HttpResponse<byte[]> r = http.send(get.build(), HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() != 200) {
                throw new IOException("status " + r.statusCode());
            }
            byte[] data = r.body();
            if (data.length != a.length() || !Digests.sha256(data).equals(a.digest())) {
                throw new IOException("digest mismatch");
            }
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                ByteBuffer buf = ByteBuffer.wrap(data);
                long pos = a.offset();
                while (buf.hasRemaining()) {
                    pos += ch.write(buf, pos);
                }
            }
            digests.put(a.pieceNum(), a.digest());
            synchronized (have) {
                have.set(a.pieceNum());
            }
            (a.sourcePeerId().startsWith("supernode:") ? fromSupernode : fromPeers).addAndGet(data.length);
            return new PieceReport(peerId, a.pieceNum(), a.sourcePeerId(), true, null);
        } catch (IOException e) {
            failedPieces.incrementAndGet();
            return new PieceReport(peerId, a.pieceNum(), a.sourcePeerId(), false, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new PieceReport(peerId, a.pieceNum(), a.sourcePeerId(), false, "interrupted");
        }
    }

    private void servePiece(HttpExchange ex) throws IOException {
        try (ex) {
            String[] parts = ex.getRequestURI().getPath().split("/");
            // /peer/tasks/<id>/pieces/<n>
            int n;
            try {
                n = Integer.parseInt(parts[5]);
            } catch (RuntimeException e) {
                ex.sendResponseHeaders(400, -1);
                return;
            }
            // a piece goes only to the peer the supernode assigned it to
            String path = ex.getRequestURI().getRawPath();
            java.util.Optional<String> asker = tokens.verify(ex.getRequestHeaders().getFirst(HostTokens.HEADER), "GET", path);
            if (asker.isEmpty() || grants.refusal(ex.getRequestHeaders().getFirst(PieceGrants.HEADER), parts[3], n,
                    asker.get()).isPresent()) {
                ex.sendResponseHeaders(403, -1);
                return;
            }
            boolean held;
            synchronized (have) {
                held = have.get(n);
            }
            if (!held) {
                ex.sendResponseHeaders(404, -1);
                return;
            }
            long start = (long) n * pieceSize;
            int len = (int) Math.min(pieceSize, length - start);
            byte[] data = new byte[len];
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                ByteBuffer buf = ByteBuffer.wrap(data);
                long pos = start;
                while (buf.hasRemaining()) {
                    int r = ch.read(buf, pos);
                    if (r < 0) {
                        break;
                    }
                    pos += r;
                }
            }
            ex.getResponseHeaders().set(PieceHeaders.PIECE_DIGEST, digests.get(n));
            ex.sendResponseHeaders(200, len);
            ex.getResponseBody().write(data);
            uploaded.addAndGet(len);
        }
    }

    private <T> T post(String url, Object body, Class<T> type) throws IOException, InterruptedException {
        HttpResponse<String> r = send(url, body);
        if (r.statusCode() >= 500) {
            throw new IOException("supernode answered " + r.statusCode() + ": " + r.body());
        }
        if (r.statusCode() != 200) {
            throw new IllegalStateException(url + " answered " + r.statusCode() + ": " + r.body());
        }
        return JSON.readValue(r.body(), type);
    }

    private void postNoBody(String url, Object body) throws IOException, InterruptedException {
        HttpResponse<String> r = send(url, body);
        if (r.statusCode() >= 500) {
            throw new IOException("supernode answered " + r.statusCode());
        }
    }

    private HttpResponse<String> send(String url, Object body) throws IOException, InterruptedException {
        URI uri = URI.create(url);
        return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(90))
                        .header("Content-Type", "application/json")
                        .header(HostTokens.HEADER, tokens.authorization(peerId, "POST", uri.getRawPath()))
                        .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Override
    public void close() {
        server.stop(0);
        fetchers.shutdownNow();
        ((ExecutorService) server.getExecutor()).shutdownNow();
    }

    static UncheckedIOException unchecked(IOException e) {
        return new UncheckedIOException(e);
    }
}
