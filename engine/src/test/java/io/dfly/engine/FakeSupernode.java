package io.dfly.engine;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.dfly.core.config.HostPort;
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
import io.dfly.core.security.ClusterSecret;
import io.dfly.core.security.HostTokens;
import io.dfly.core.security.PieceGrants;
import io.dfly.core.task.TaskIds;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A minimal in-test supernode (docs/PROTOCOL.md) for engine unit tests: knows one file's bytes up front,
 * serves them as the CDN copy, prefers peer sources over itself, drops a source after 3 failures. Like the
 * real one it serves enrolled hosts only: every API call needs a host token for its method and raw path
 * (else 401, nothing changes), the body's / path's peer id must be the token's (else 403), each assignment
 * carries a piece grant for the pulling peer, and its piece server wants a token and a grant (else 403).
 *
 * <p>Reports are facts: a success counts (the reporter then holds the piece, as a source for others and
 * towards its DONE) only for an assignment this fake gave that peer from that source and not yet reported;
 * a failure counts against the source only then, and never against the fake itself. Anything else is
 * ignored (204, counted in {@link #ignoredReports}). Reports a pull carries are applied the same way before the
 * pull is answered (unless {@link #ignoresReportsInPulls}: a supernode older than them). The pull's {@code have}
 * is not trusted: a peer is DONE
 * when it reported every piece, and is assigned every piece it did not report (even one it holds).
 * Heartbeats are counted, with the size of their (empty) bodies.
 */
final class FakeSupernode implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final ClusterSecret SECRET = ClusterSecret.of("engine-test-cluster-secret-0123456789");
    private final HostTokens tokens = SECRET.hostTokens();
    private final PieceGrants grants = SECRET.pieceGrants();
    private final HttpServer server;
    private final byte[] content;
    private final int pieceSize;
    private final String id;
    private final Map<String, String> peerUrls = new HashMap<>();
    private final Map<Integer, List<String>> sources = new HashMap<>();
    private final Map<String, Integer> failures = new HashMap<>();
    /** Pieces each peer reported (for an assignment) per task ("peer/task"): what it holds as far as scheduling goes. */
    private final Map<String, BitSet> held = new HashMap<>();
    /** Assignments given and not reported yet: "peer/task" -> piece -> source. */
    private final Map<String, Map<Integer, String>> assigned = new HashMap<>();
    /** Reports that matched no open assignment (ignored). */
    final AtomicInteger ignoredReports = new AtomicInteger();
    /** Body sizes of the heartbeats received, in order (a heartbeat has none). */
    final List<Integer> heartbeatBodyBytes = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** Piece bodies served from the CDN copy. */
    final AtomicInteger piecesServed = new AtomicInteger();
    /** After this many successful reports, pulls answer FAILED (the supernode's whole-file check failed). */
    volatile int failAfterReports = Integer.MAX_VALUE;
    /** Pulls after this many answer FAILED. */
    volatile int failAfterPulls = Integer.MAX_VALUE;
    private int successes;
    /** When set, pulls announce this file digest instead of the real one. */
    volatile String announcedDigest;
    private final Set<String> left = new HashSet<>();
    /** DELETEs (leaves) received, and how long each is held before it is answered. */
    final AtomicInteger leaves = new AtomicInteger();
    volatile long leaveDelayMillis;
    final AtomicInteger registrations = new AtomicInteger();
    /** When set, a registration asking for it is answered with the registrant's first pull (as the supernode does). */
    volatile boolean answerFirstPull;
    /** The pieces assigned in registrations' first pulls. */
    final List<Integer> firstPullPieces = new java.util.concurrent.CopyOnWriteArrayList<>();
    final List<PieceReport> reports = new ArrayList<>();
    /** {@code POST .../reports} requests received (reports sent on their own, not with a pull). */
    final AtomicInteger reportRequests = new AtomicInteger();
    /** Reports received inside pulls. */
    final AtomicInteger reportsInPulls = new AtomicInteger();
    /** When set, a pull that would answer WAIT is held this long first (as the real supernode holds it), then run again. */
    volatile long holdWaitsMillis;
    /** When set, reports inside pulls are dropped unread (and not acknowledged), as a supernode older than them does. */
    volatile boolean ignoresReportsInPulls;
    volatile boolean failTask;
    /** After this many pulls, pulls get their connection dropped (the supernode "dies" for the puller). */
    volatile int dropPullsAfter = Integer.MAX_VALUE;
    final AtomicInteger pulls = new AtomicInteger();
    /** Assign the highest missing pieces first (to show streams still read in order). */
    volatile boolean reverseOrder;
    /** When set, serving this piece waits until {@link #release} opens. */
    volatile int holdPiece = -1;
    final java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    volatile Map<String, String> lastRegisterHeaders;
    /** Authorization headers of piece requests (origin credentials must never reach sources). */
    final List<String> pieceAuthorizations = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** API calls refused with 401 (no or bad host token) and piece requests refused with 403. */
    final AtomicInteger unauthorized = new AtomicInteger();
    final AtomicInteger piecesRefused = new AtomicInteger();
    /** When set, assignments to peer sources carry no grant (to show peers then refuse to serve). */
    volatile boolean withholdPeerGrants;
    final AtomicInteger heartbeats = new AtomicInteger();

    FakeSupernode(byte[] content, int pieceSize) {
        this.content = content;
        this.pieceSize = pieceSize;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 32);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        id = "supernode:127.0.0.1:" + server.getAddress().getPort();
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "fake-supernode");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/", this::handle);
        server.start();
    }

    HostPort hostPort() {
        return new HostPort("127.0.0.1", server.getAddress().getPort());
    }

    int pieceCount() {
        return PieceSizeRule.pieceCount(content.length, pieceSize);
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            String rawPath = ex.getRequestURI().getRawPath();
            String method = ex.getRequestMethod();
            java.util.Optional<String> caller = tokens.verify(ex.getRequestHeaders().getFirst(HostTokens.HEADER), method, rawPath);
            if (path.startsWith("/api/") && caller.isEmpty()) {
                unauthorized.incrementAndGet();
                error(ex, 401, "unauthorized", "enrolled hosts only: this host needs the cluster secret"
                        + " (dfly.security.cluster-secret-file)");
                return;
            }
            if (method.equals("POST") && path.equals("/api/v1/tasks")) {
                RegisterRequest r = JSON.readValue(ex.getRequestBody(), RegisterRequest.class);
                if (!r.peerId().equals(caller.get())) {
                    error(ex, 403, "forbidden", "peer id is not the token's");
                    return;
                }
                registrations.incrementAndGet();
                lastRegisterHeaders = r.headers();
                synchronized (this) {
                    peerUrls.put(r.peerId(), r.peerUrl());
                    left.remove(r.peerId());
                }
                String taskId = TaskIds.derive(r.url(), r.digest(), r.identifier(), TaskIds.DEFAULT_VOLATILE_PARAMS);
                RegisterResponse answer = new RegisterResponse(taskId, content.length, pieceSize, "RUNNING", id);
                if (answerFirstPull && r.maxPieces() > 0) {
                    PullResponse first = pull(taskId, new PullRequest(r.peerId(), "", r.maxPieces()));
                    if (first.pieces() != null) {
                        first.pieces().forEach(a -> firstPullPieces.add(a.pieceNum()));
                    }
                    answer = answer.withFirstPull(first);
                }
                json(ex, 200, answer);
            } else if (method.equals("POST") && path.endsWith("/pull")) {
                if (pulls.incrementAndGet() > dropPullsAfter) {
                    return; // closes the exchange without an answer
                }
                String taskId = path.split("/")[4];
                PullRequest r = JSON.readValue(ex.getRequestBody(), PullRequest.class);
                if (!r.peerId().equals(caller.get())) {
                    error(ex, 403, "forbidden", "peer id is not the token's");
                    return;
                }
                PullResponse answer = pull(taskId, r);
                if (answer.action() == PullAction.WAIT && holdWaitsMillis > 0) {
                    try {
                        Thread.sleep(holdWaitsMillis); // outside the lock: reports on their own go on meanwhile
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    PullResponse again = pull(taskId, new PullRequest(r.peerId(), r.have(), r.maxPieces()));
                    answer = new PullResponse(again.action(), again.pieces(), again.contentLength(), again.pieceCount(),
                            again.pieceSize(), again.fileDigest(), again.reason(), again.waitMillis(), answer.reportsRead());
                }
                json(ex, 200, answer);
            } else if (method.equals("POST") && path.endsWith("/reports")) {
                PieceReport r = JSON.readValue(ex.getRequestBody(), PieceReport.class);
                if (!r.peerId().equals(caller.get())) {
                    error(ex, 403, "forbidden", "peer id is not the token's");
                    return;
                }
                reportRequests.incrementAndGet();
                apply(path.split("/")[4], r);
                ex.sendResponseHeaders(204, -1);
            } else if (method.equals("DELETE")) {
                String peer = path.substring(path.lastIndexOf('/') + 1);
                if (!peer.equals(caller.get())) {
                    error(ex, 403, "forbidden", "peer id is not the token's");
                    return;
                }
                synchronized (this) {
                    left.add(peer);
                }
                leaves.incrementAndGet();
                sleepQuietly(leaveDelayMillis);
                ex.sendResponseHeaders(204, -1);
            } else if (method.equals("POST") && path.endsWith("/heartbeat")) {
                String peer = path.split("/")[4];
                if (!peer.equals(caller.get())) {
                    error(ex, 403, "forbidden", "peer id is not the token's");
                    return;
                }
                heartbeatBodyBytes.add(ex.getRequestBody().readNBytes(64 * 1024).length);
                heartbeats.incrementAndGet();
                ex.sendResponseHeaders(204, -1);
            } else if (method.equals("GET") && path.startsWith("/peer/tasks/")) {
                String auth = ex.getRequestHeaders().getFirst(HostTokens.HEADER);
                pieceAuthorizations.add(String.valueOf(auth));
                int n = Integer.parseInt(path.substring(path.lastIndexOf('/') + 1));
                String taskId = path.split("/")[3];
                if (caller.isEmpty() || grants.refusal(ex.getRequestHeaders().getFirst(PieceGrants.HEADER), taskId, n,
                        caller.get()).isPresent()) {
                    piecesRefused.incrementAndGet();
                    error(ex, 403, "forbidden", "no grant");
                    return;
                }
                if (n == holdPiece) {
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                int off = n * pieceSize;
                int len = PieceSizeRule.pieceLength(content.length, pieceSize, n);
                piecesServed.incrementAndGet();
                ex.getResponseHeaders().set(PieceHeaders.PIECE_DIGEST, Digests.sha256(content, off, len));
                ex.sendResponseHeaders(200, len == 0 ? -1 : len);
                ex.getResponseBody().write(content, off, len);
            } else {
                ex.sendResponseHeaders(404, -1);
            }
        }
    }

    /** One report, by the rule: it counts only when it ends an open assignment of that piece to that peer from that source. */
    private synchronized void apply(String taskId, PieceReport r) {
        reports.add(r);
        Map<Integer, String> open = assigned.getOrDefault(r.peerId() + "/" + taskId, Map.of());
        if (r.sourcePeerId() == null || !r.sourcePeerId().equals(open.get(r.pieceNum()))) {
            ignoredReports.incrementAndGet(); // not an assignment of ours: a claim, not a fact
        } else {
            open.remove(r.pieceNum());
            if (r.success()) {
                held.computeIfAbsent(r.peerId() + "/" + taskId, k -> new BitSet()).set(r.pieceNum());
                sources.computeIfAbsent(r.pieceNum(), k -> new ArrayList<>()).add(r.peerId());
                successes++;
            } else if (!r.sourcePeerId().startsWith("supernode:")) {
                failures.merge(r.sourcePeerId(), 1, Integer::sum);
            }
        }
    }

    private synchronized PullResponse pull(String taskId, PullRequest r) {
        int read = 0;
        if (!ignoresReportsInPulls) {
            for (PieceReport report : r.reportsOrEmpty()) {
                if (!r.peerId().equals(report.peerId())) {
                    throw new IllegalStateException("a report in the pull names another peer: " + report.peerId());
                }
                reportsInPulls.incrementAndGet();
                apply(taskId, report);
                read++;
            }
        }
        PullResponse answer = answer(taskId, r);
        return new PullResponse(answer.action(), answer.pieces(), answer.contentLength(), answer.pieceCount(),
                answer.pieceSize(), answer.fileDigest(), answer.reason(), answer.waitMillis(), read);
    }

    private synchronized PullResponse answer(String taskId, PullRequest r) {
        int count = pieceCount();
        String fileDigest = announcedDigest != null ? announcedDigest : Digests.sha256(content);
        if (failTask || successes >= failAfterReports || pulls.get() > failAfterPulls) {
            return new PullResponse(PullAction.FAILED, List.of(), content.length, count, pieceSize, null, "origin broke", 0);
        }
        BitSet have = held.getOrDefault(r.peerId() + "/" + taskId, new BitSet()); // what it reported, not what it claims
        if (have.cardinality() >= count) {
            return new PullResponse(PullAction.DONE, List.of(), content.length, count, pieceSize, fileDigest, null, 0);
        }
        Map<Integer, String> open = assigned.computeIfAbsent(r.peerId() + "/" + taskId, k -> new HashMap<>());
        List<PieceAssignment> out = new ArrayList<>();
        List<Integer> missing = new ArrayList<>();
        for (int n = have.nextClearBit(0); n < count; n = have.nextClearBit(n + 1)) {
            if (!open.containsKey(n)) {
                missing.add(n);
            }
        }
        if (reverseOrder) {
            java.util.Collections.reverse(missing);
        }
        for (int n : missing) {
            if (out.size() >= r.maxPieces()) {
                break;
            }
            String source = id;
            String base = "http://" + id.substring("supernode:".length());
            for (String peer : sources.getOrDefault(n, List.of())) {
                if (!peer.equals(r.peerId()) && !left.contains(peer) && failures.getOrDefault(peer, 0) < 3) {
                    source = peer;
                    base = peerUrls.get(peer);
                    break;
                }
            }
            int len = PieceSizeRule.pieceLength(content.length, pieceSize, n);
            open.put(n, source);
            out.add(new PieceAssignment(n, (long) n * pieceSize, len, Digests.sha256(content, n * pieceSize, len), source,
                    base + PieceHeaders.piecePath(taskId, n), withholdPeerGrants && !source.equals(id) ? null
                    : grants.mint(taskId, n, r.peerId())));
        }
        if (out.isEmpty()) {
            return new PullResponse(PullAction.WAIT, List.of(), content.length, count, pieceSize, fileDigest, null, 20);
        }
        return new PullResponse(PullAction.ASSIGNED, out, content.length, count, pieceSize, fileDigest, null, 0);
    }

    /** Makes {@code peerId} at {@code baseUrl} a holder of {@code pieces} (a peer that got them in an earlier life). */
    synchronized void addHolder(String peerId, String baseUrl, int... pieces) {
        peerUrls.put(peerId, baseUrl);
        for (int n : pieces) {
            sources.computeIfAbsent(n, k -> new ArrayList<>()).add(peerId);
        }
    }

    /** Failures that counted against {@code source}. */
    synchronized int failuresOf(String source) {
        return failures.getOrDefault(source, 0);
    }

    String id() {
        return id;
    }

    private static void error(HttpExchange ex, int status, String code, String message) throws IOException {
        json(ex, status, new io.dfly.core.protocol.ErrorBody(code, message));
    }

    private static void json(HttpExchange ex, int status, Object body) throws IOException {
        byte[] b = JSON.writeValueAsBytes(body);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, b.length);
        ex.getResponseBody().write(b);
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private static void sleepQuietly(long millis) {
        if (millis <= 0) {
            return;
        }
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
