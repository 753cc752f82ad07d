package io.dfly.it.harness;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.dfly.core.piece.Digests;
import io.dfly.core.piece.PieceSizeRule;
import io.dfly.core.protocol.PieceAssignment;
import io.dfly.core.protocol.PieceHeaders;
import io.dfly.core.protocol.PieceReport;
import io.dfly.core.protocol.PieceSet;
import io.dfly.core.protocol.PullAction;
import io.dfly.core.protocol.PullRequest;
import io.dfly.core.protocol.PullResponse;
import io.dfly.core.protocol.RegisterRequest;
import io.dfly.core.protocol.RegisterResponse;
import io.dfly.core.security.HostTokens;
import io.dfly.core.security.PieceGrants;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A peer that holds the test cluster's secret (an enrolled host: host tokens and grants are no obstacle)
 * and misbehaves, written from docs/PROTOCOL.md like {@code TestPeer}:
 * <ul>
 *   <li>{@link Mode#CORRUPT}: downloads the file honestly (so the supernode has every reason to schedule it as
 *       a source), then serves every piece with bytes flipped, under the piece's real digest header;</li>
 *   <li>{@link Mode#LIAR}: claims pieces it lacks — pulls with a {@code have} set of every piece (then, if that
 *       is not believed, of the pieces claimed so far), reports success for each assignment without fetching it, forges failure reports (against the supernode's CDN source
 *       and the peers it hears of) without any assignment, and answers 404 or garbage when asked for a piece;</li>
 *   <li>{@link Mode#TRICKLE}: downloads honestly, then serves pieces at 1 KB/s (a byte stream that never stalls
 *       long enough for a read timeout).</li>
 * </ul>
 * It heartbeats every second and never leaves the swarm on its own.
 */
public final class HostilePeer implements AutoCloseable {
    public enum Mode { CORRUPT, LIAR, TRICKLE }

    /** Bytes per second a {@link Mode#TRICKLE} peer sends. */
    public static final int TRICKLE_BYTES_PER_SECOND = 1024;

    private final String peerId;
    private final Mode mode;
    private final Path file;
    private final PeerApi api;
    private final HostTokens tokens = TestSecrets.secret().hostTokens();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(3)).build();
    private final HttpServer server;
    private final ExecutorService serving = Executors.newCachedThreadPool(daemon("hostile-serve"));
    private final ExecutorService fetchers = Executors.newFixedThreadPool(4, daemon("hostile-fetch"));
    private final ScheduledExecutorService background = Executors.newScheduledThreadPool(2, daemon("hostile-beat"));
    private final BitSet have = new BitSet();
    private final Map<Integer, String> digests = new ConcurrentHashMap<>();
    private final Set<String> peersSeen = ConcurrentHashMap.newKeySet();
    private final SplittableRandom random = new SplittableRandom();
    private volatile boolean closed;
    private volatile String supernode;
    private volatile String taskId;
    private volatile String supernodeSource;
    private volatile int pieceSize;
    private volatile long length = -1;

    /** Piece requests other peers sent here. */
    public final AtomicLong requests = new AtomicLong();
    /** Pieces answered with wrong bytes (CORRUPT, LIAR) or at a trickle (TRICKLE). */
    public final AtomicLong badAnswers = new AtomicLong();
    /** Success reports for pieces this peer never fetched (LIAR). */
    public final AtomicLong falseClaims = new AtomicLong();
    /** Failure reports without an assignment (LIAR). */
    public final AtomicLong forgedFailures = new AtomicLong();

    public HostilePeer(String peerId, Mode mode, Path dir) {
        this.peerId = peerId;
        this.mode = mode;
        this.file = dir.resolve(peerId + ".bin");
        this.api = new PeerApi(peerId, Duration.ofSeconds(30));
        try {
            Files.createDirectories(dir);
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/peer/tasks/", this::servePiece);
        server.setExecutor(serving);
        server.start();
    }

    public String peerId() {
        return peerId;
    }

    public Mode mode() {
        return mode;
    }

    /** Base URL other peers fetch pieces from (the address this peer enrolls with: 127.0.0.1). */
    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /**
     * Joins the task of {@code url} at {@code supernodeBaseUrl} and becomes a "holder": CORRUPT and TRICKLE
     * download every piece honestly, LIAR claims them. Returns the task id once the supernode answers DONE
     * (or, for a LIAR the supernode does not believe, after {@code claimFor}); heartbeats go on until {@link #close()}.
     */
    public String join(String supernodeBaseUrl, String url, String digest, Duration claimFor) throws Exception {
        supernode = supernodeBaseUrl;
        RegisterResponse reg = api.post(supernode + "/api/v1/tasks",
                new RegisterRequest(url, Map.of(), digest, null, peerId, baseUrl()), RegisterResponse.class);
        taskId = reg.taskId();
        supernodeSource = reg.supernodeId();
        pieceSize = reg.pieceSize();
        length = reg.contentLength();
        background.scheduleWithFixedDelay(this::heartbeat, 0, 1, TimeUnit.SECONDS);
        if (mode == Mode.LIAR) {
            claim(claimFor);
            background.scheduleWithFixedDelay(this::forgeFailures, 0, 300, TimeUnit.MILLISECONDS);
        } else {
            downloadHonestly();
        }
        return taskId;
    }

    private void heartbeat() {
        try {
            api.post(supernode + "/api/v1/peers/" + peerId + "/heartbeat", null);
        } catch (Exception ignored) {
            // the supernode is down for a while: try again next second
        }
    }

    private PullResponse pull(String haveText, int max) throws Exception {
        return api.post(supernode + "/api/v1/tasks/" + taskId + "/pull", new PullRequest(peerId, haveText, max),
                PullResponse.class);
    }

    private void report(int piece, String source, boolean success, String reason) {
        try {
            api.post(supernode + "/api/v1/tasks/" + taskId + "/reports", new PieceReport(peerId, piece, source, success, reason));
        } catch (Exception ignored) {
            // best effort, like a real peer
        }
    }

    // ---------------------------------------------------------------- LIAR

    /**
     * First the old attack: a {@code have} set of every piece (a supernode that trusts it makes this peer a
     * holder of everything at once). When that gets no DONE within 3 s (the supernode ignores the set, or
     * uses it only to skip pieces the peer says it has), the set names only the pieces claimed so far, so
     * assignments keep coming, and each is "reported" fetched.
     */
    private void claim(Duration claimFor) throws Exception {
        long start = System.nanoTime();
        long deadline = start + claimFor.toNanos();
        BitSet claimed = new BitSet();
        while (!closed && System.nanoTime() < deadline) {
            boolean wholeSet = System.nanoTime() - start < TimeUnit.SECONDS.toNanos(3);
            BitSet haveSet = (BitSet) claimed.clone();
            if (wholeSet && length >= 0) {
                haveSet.set(0, PieceSizeRule.pieceCount(length, pieceSize));
            }
            PullResponse pr = pull(PieceSet.encode(haveSet), 4);
            if (pr.contentLength() >= 0) {
                length = pr.contentLength();
            }
            if (pr.action() == PullAction.DONE || pr.action() == PullAction.FAILED) {
                return;
            }
            if (pr.action() == PullAction.ASSIGNED && pr.pieces() != null) {
                for (PieceAssignment a : pr.pieces()) {
                    noteSource(a.sourcePeerId());
                    falseClaims.incrementAndGet();
                    claimed.set(a.pieceNum());
                    report(a.pieceNum(), a.sourcePeerId(), true, null); // "got it" — never fetched
                }
            } else {
                Thread.sleep(Math.max(10, pr.waitMillis()));
            }
        }
    }

    private void noteSource(String source) {
        if (source != null && !source.startsWith("supernode:") && !source.equals(peerId)) {
            peersSeen.add(source);
        }
    }

    /**
     * Failure reports naming the supernode's CDN copy (and any peer met in an assignment), for assignments
     * never made. (It takes no assignments it will not report: holding sources' upload slots with phantom
     * fetches is another attack than this case's.)
     */
    private void forgeFailures() {
        if (closed || length < 0) {
            return;
        }
        int count = PieceSizeRule.pieceCount(length, pieceSize);
        List<String> victims = new ArrayList<>(peersSeen);
        victims.add(supernodeSource);
        for (String victim : victims) {
            for (int i = 0; i < 5; i++) {
                forgedFailures.incrementAndGet();
                report(random.nextInt(count), victim, false, "forged by a hostile peer");
            }
        }
    }

    // ---------------------------------------------------------------- CORRUPT, TRICKLE: honest download first

    private void downloadHonestly() throws Exception {
        while (!closed) {
            String haveText;
            synchronized (have) {
                haveText = PieceSet.encode(have);
            }
            PullResponse pr = pull(haveText, 4);
            if (pr.contentLength() >= 0) {
                length = pr.contentLength();
            }
            switch (pr.action()) {
                case DONE -> {
                    return;
                }
                case FAILED -> throw new IllegalStateException("task failed: " + pr.reason());
                case WAIT -> Thread.sleep(Math.max(10, pr.waitMillis()));
                case ASSIGNED -> {
                    List<Future<?>> running = new ArrayList<>();
                    for (PieceAssignment a : pr.pieces()) {
                        running.add(fetchers.submit(() -> {
                            boolean ok = fetch(a);
                            report(a.pieceNum(), a.sourcePeerId(), ok, ok ? null : "fetch failed");
                            return null;
                        }));
                    }
                    for (Future<?> f : running) {
                        f.get();
                    }
                }
                default -> throw new IllegalStateException("unknown action " + pr.action());
            }
        }
    }

    private boolean fetch(PieceAssignment a) {
        try {
            URI source = URI.create(a.sourceUrl());
            HttpRequest.Builder get = HttpRequest.newBuilder(source).timeout(Duration.ofSeconds(60))
                    .header(HostTokens.HEADER, tokens.authorization(peerId, "GET", source.getRawPath()));
            if (a.grant() != null) {
                get.header(PieceGrants.HEADER, a.grant());
            }
            HttpResponse<byte[]> r = http.send(get.build(), HttpResponse.BodyHandlers.ofByteArray());
            byte[] data = r.body();
            if (r.statusCode() != 200 || data.length != a.length() || !Digests.sha256(data).equals(a.digest())) {
                return false;
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
            return true;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    // ---------------------------------------------------------------- serving

    private void servePiece(HttpExchange ex) throws IOException {
        try (ex) {
            String[] parts = ex.getRequestURI().getPath().split("/"); // /peer/tasks/<id>/pieces/<n>
            int n;
            try {
                n = Integer.parseInt(parts[5]);
            } catch (RuntimeException e) {
                ex.sendResponseHeaders(400, -1);
                return;
            }
            requests.incrementAndGet();
            long size = length;
            int len = size < 0 ? pieceSize : PieceSizeRule.pieceLength(size, pieceSize, n);
            switch (mode) {
                case LIAR -> {
                    badAnswers.incrementAndGet();
                    if (n % 2 == 0) {
                        ex.sendResponseHeaders(404, -1);
                        return;
                    }
                    byte[] garbage = new byte[len];
                    new SplittableRandom().nextBytes(garbage);
                    ex.getResponseHeaders().set(PieceHeaders.PIECE_DIGEST, Digests.sha256(new byte[0]));
                    ex.sendResponseHeaders(200, len);
                    ex.getResponseBody().write(garbage);
                }
                case CORRUPT -> {
                    byte[] data = read(n, len);
                    if (data == null) {
                        ex.sendResponseHeaders(404, -1);
                        return;
                    }
                    for (int i = 0; i < data.length; i += 997) {
                        data[i] ^= (byte) 0x5a; // rotten bytes, the real piece's digest in the header
                    }
                    badAnswers.incrementAndGet();
                    ex.getResponseHeaders().set(PieceHeaders.PIECE_DIGEST, digests.get(n));
                    ex.sendResponseHeaders(200, len);
                    ex.getResponseBody().write(data);
                }
                case TRICKLE -> {
                    byte[] data = read(n, len);
                    if (data == null) {
                        ex.sendResponseHeaders(404, -1);
                        return;
                    }
                    badAnswers.incrementAndGet();
                    ex.getResponseHeaders().set(PieceHeaders.PIECE_DIGEST, digests.get(n));
                    ex.sendResponseHeaders(200, len);
                    OutputStream out = ex.getResponseBody();
                    for (int off = 0; off < data.length && !closed; off += TRICKLE_BYTES_PER_SECOND) {
                        out.write(data, off, Math.min(TRICKLE_BYTES_PER_SECOND, data.length - off));
                        out.flush();
                        Thread.sleep(1000);
                    }
                }
                default -> ex.sendResponseHeaders(500, -1);
            }
        } catch (IOException e) {
            // the downloader gave up on us (a deadline, a digest): expected
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private byte[] read(int n, int len) throws IOException {
        synchronized (have) {
            if (!have.get(n)) {
                return null;
            }
        }
        byte[] data = new byte[len];
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.wrap(data);
            long pos = (long) n * pieceSize;
            while (buf.hasRemaining()) {
                int r = ch.read(buf, pos);
                if (r < 0) {
                    break;
                }
                pos += r;
            }
        }
        return data;
    }

    @Override
    public void close() {
        closed = true;
        background.shutdownNow();
        fetchers.shutdownNow();
        server.stop(0);
        serving.shutdownNow();
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // temp dir goes anyway
        }
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }
}
