package io.dfly.supernode.task;

import com.sun.net.httpserver.HttpServer;
import io.dfly.core.protocol.PieceAssignment;
import io.dfly.core.protocol.PieceReport;
import io.dfly.core.protocol.PieceSet;
import io.dfly.core.protocol.PullAction;
import io.dfly.core.protocol.PullRequest;
import io.dfly.core.protocol.PullResponse;
import io.dfly.core.protocol.RegisterRequest;
import io.dfly.core.protocol.RegisterResponse;
import io.dfly.core.protocol.TaskStatus;
import io.dfly.scheduler.SchedulerLimits;
import io.dfly.supernode.TestSecrets;
import io.dfly.supernode.cdn.BackToSource;
import io.dfly.supernode.cdn.CdnStore;
import io.dfly.supernode.cdn.OriginClient;
import io.dfly.supernode.metrics.SupernodeMetrics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Hostile peers and bounded state (issue 11), on the task service with a clock the test moves. */
class TaskFaultsTest {
    private static final byte[] CONTENT = new byte[9 * 1024 * 1024 + 17];
    private static final String LOOPBACK = "127.0.0.1";
    private static final Duration TTL = Duration.ofMinutes(10);
    private final SchedulerLimits limits = SchedulerLimits.defaults();
    private final AtomicLong clock = new AtomicLong(1_000_000_000L);
    private final CountDownLatch answerHeaders = new CountDownLatch(1);
    private HttpServer origin;
    private ExecutorService executor;
    private ScheduledThreadPoolExecutor holds;
    private CountingStore store;
    private LocalOriginHeaders headers;
    private CdnStore cdn;
    private BackToSource b2s;
    private TaskService service;
    private SupernodeMetrics metrics;
    private final TaskSignals signals = new TaskSignals();
    private final SeedIdentity self = SeedIdentity.of("member-1", "127.0.0.1", 8002);
    @TempDir
    Path dataDir;

    /** A task store that counts how each kind of call is used (a heartbeat must never run on every task). */
    static final class CountingStore implements TaskStore {
        final LocalTaskStore inner = new LocalTaskStore();
        final AtomicInteger updateAlls = new AtomicInteger();
        final AtomicInteger updates = new AtomicInteger();

        @Override
        public <R> R update(String taskId, TaskAction<R> action) {
            updates.incrementAndGet();
            return inner.update(taskId, action);
        }

        @Override
        public Set<String> taskIds() {
            return inner.taskIds();
        }

        @Override
        public <R> Map<String, R> updateAll(TaskAction<R> action) {
            updateAlls.incrementAndGet();
            return inner.updateAll(action);
        }

        @Override
        public <R> R read(String taskId, TaskAction<R> action) {
            return inner.read(taskId, action);
        }

        @Override
        public <R> Map<String, R> readAll(TaskAction<R> action) {
            return inner.readAll(action);
        }

        @Override
        public java.util.Optional<TaskRecord> get(String taskId) {
            return inner.get(taskId);
        }

        @Override
        public PeerLiveness peers() {
            return inner.peers();
        }

        @Override
        public int size() {
            return inner.size();
        }
    }

    @BeforeEach
    void setUp() throws Exception {
        new Random(11).nextBytes(CONTENT);
        origin = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        origin.createContext("/", ex -> {
            String path = ex.getRequestURI().getPath();
            try {
                if (path.startsWith("/slow/")) {
                    answerHeaders.await(); // headers only once the test lets them go
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (path.equals("/missing.bin")) {
                ex.sendResponseHeaders(404, -1);
            } else {
                ex.sendResponseHeaders(200, CONTENT.length);
                ex.getResponseBody().write(CONTENT);
            }
            ex.close();
        });
        executor = Executors.newCachedThreadPool();
        origin.setExecutor(executor);
        origin.start();
        holds = new ScheduledThreadPoolExecutor(2);
        holds.setRemoveOnCancelPolicy(true);
        store = new CountingStore();
        headers = new LocalOriginHeaders();
        cdn = new CdnStore(dataDir, clock::get);
        metrics = new SupernodeMetrics();
        b2s = new BackToSource(store, headers, cdn, new OriginClient(Duration.ofSeconds(2), TestSecrets.LOOPBACK_ALLOWED),
                self, metrics, executor, clock::get, 0, signals, TestSecrets.SECRET);
        b2s.retryBackoff(java.util.Collections.nCopies(BackToSource.MAX_RETRIES, Duration.ofMillis(1)));
        service = service(TaskService.MAX_WAITING_REGISTRATIONS);
    }

    private TaskService service(int maxWaiting) {
        return new TaskService(store, headers, b2s, self, TestSecrets.SECRET, limits, 4, List.of(), Duration.ofSeconds(30),
                TTL, metrics, clock::get, signals, holds, Duration.ofMillis(TaskService.PULL_HOLD_MILLIS), maxWaiting);
    }

    @AfterEach
    void tearDown() {
        while (answerHeaders.getCount() > 0) {
            answerHeaders.countDown();
        }
        origin.stop(0);
        executor.shutdownNow();
        holds.shutdownNow();
    }

    private String url(String path) {
        return "http://127.0.0.1:" + origin.getAddress().getPort() + path;
    }

    private RegisterResponse register(String path, String peer) {
        return service.register(new RegisterRequest(url(path), Map.of(), null, null, peer, "http://127.0.0.1:65001"), LOOPBACK);
    }

    private TaskRecord awaitDone(String taskId) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            TaskRecord r = store.get(taskId).orElseThrow();
            if (r.status() == TaskStatus.SUCCESS || r.status() == TaskStatus.FAILED) {
                return r;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("task not done");
    }

    private String completedTask() throws InterruptedException {
        String taskId = register("/file.bin", "honest").taskId();
        assertEquals(TaskStatus.SUCCESS, awaitDone(taskId).status());
        return taskId;
    }

    // --- reports are facts ---

    @Test
    void aClaimedPieceWithoutAnAssignmentMakesNobodyASource() throws Exception {
        String taskId = completedTask();
        register("/file.bin", "liar");
        for (int n = 0; n < 3; n++) {
            service.report(taskId, new PieceReport("liar", n, self.sourceId(), true, null));
        }
        assertEquals(3, metrics.reportsIgnored.count());
        // and its pull's have is not believed either
        BitSet all = new BitSet();
        all.set(0, 3);
        PullResponse liarPull = service.pull(taskId, new PullRequest("liar", PieceSet.encode(all), 4));
        assertEquals(PullAction.ASSIGNED, liarPull.action(), "a peer claiming every piece is not DONE on its word");
        for (int i = 0; i < 5; i++) {
            PullResponse honest = service.pull(taskId, new PullRequest("honest", "", 4));
            for (PieceAssignment a : honest.pieces()) {
                assertEquals(self.sourceId(), a.sourcePeerId(), "the liar became a source: " + honest.pieces());
            }
        }
    }

    @Test
    void forgedFailuresCannotStallATask() throws Exception {
        String taskId = completedTask();
        register("/file.bin", "forger");
        // the attack: failure reports naming the supernode, with no assignment (and with one)
        for (int i = 0; i < 20; i++) {
            service.report(taskId, new PieceReport("forger", i % 3, self.sourceId(), false, "forged"));
        }
        for (PieceAssignment a : service.pull(taskId, new PullRequest("forger", "", 4)).pieces()) {
            service.report(taskId, new PieceReport("forger", a.pieceNum(), a.sourcePeerId(), false, "forged"));
        }
        PullResponse honest = service.pull(taskId, new PullRequest("honest", "", 4));
        assertEquals(PullAction.ASSIGNED, honest.action());
        assertFalse(honest.pieces().isEmpty());
        assertEquals(0, store.get(taskId).orElseThrow().swarm().peer(self.sourceId()).failures());
    }

    @Test
    void anAssignedPeerThatReportsSuccessBecomesASource() throws Exception {
        String taskId = completedTask();
        PullResponse first = service.pull(taskId, new PullRequest("honest", "", 1));
        PieceAssignment a = first.pieces().get(0);
        service.report(taskId, new PieceReport("honest", a.pieceNum(), a.sourcePeerId(), true, null));
        assertEquals(0, metrics.reportsIgnored.count());
        register("/file.bin", "second");
        boolean fromHonest = false;
        for (int i = 0; i < 20 && !fromHonest; i++) {
            PullResponse p = service.pull(taskId, new PullRequest("second", "", 4));
            fromHonest = p.pieces().stream().anyMatch(x -> x.sourcePeerId().equals("honest") && x.pieceNum() == a.pieceNum()
                    && x.sourceUrl().startsWith("http://127.0.0.1:65001/"));
            p.pieces().forEach(x -> service.report(taskId, new PieceReport("second", x.pieceNum(), x.sourcePeerId(), false, "x")));
        }
        assertTrue(fromHonest, "the reporter of an assigned piece is a source at its enrolled address");
    }

    // --- a peer's address is the one it enrolled with ---

    @Test
    void peerUrlMustBeTheRegistrationsOwnAddress() {
        RegisterRequest elsewhere = new RegisterRequest(url("/file.bin"), Map.of(), null, null, "p1", "http://10.9.9.9:65001");
        ApiException e = assertThrows(ApiException.class, () -> service.register(elsewhere, LOOPBACK));
        assertEquals(400, e.status());
        assertEquals("peerUrl host 10.9.9.9 is not this host's address 127.0.0.1 \u2014 set dfly.dfdaemon.advertise-ip to 127.0.0.1",
                e.getMessage());
        assertEquals(0, store.size(), "nothing registered");
        ApiException name = assertThrows(ApiException.class, () -> service.register(
                new RegisterRequest(url("/file.bin"), Map.of(), null, null, "p1", "http://localhost:65001"), LOOPBACK));
        assertTrue(name.getMessage().contains("peerUrl host localhost"), name.getMessage());
        // the same address in other spellings is fine
        TaskService.requireOwnAddress("http://127.0.0.1:1", "::ffff:127.0.0.1");
        TaskService.requireOwnAddress("http://[::1]:65001", "0:0:0:0:0:0:0:1");
        assertThrows(ApiException.class, () -> TaskService.requireOwnAddress("http://127.0.0.1:1", null));
    }

    // --- a heartbeat is one write of the peer's record, however many tasks it serves ---

    /** Pulls and reports every assignment until the peer holds the whole task. */
    private void fetchAll(String taskId, String peer) {
        for (int i = 0; i < 50; i++) {
            PullResponse pull = service.pull(taskId, new PullRequest(peer, "", 4));
            if (pull.action() == PullAction.DONE) {
                return;
            }
            for (PieceAssignment a : pull.pieces()) {
                service.report(taskId, new PieceReport(peer, a.pieceNum(), a.sourcePeerId(), true, null));
            }
        }
        throw new AssertionError(peer + " did not get the whole task");
    }

    private boolean canServe(String taskId, String peer) {
        var p = store.get(taskId).orElseThrow().swarm().peer(peer);
        return p != null && p.canServe(limits, clock.get());
    }

    @Test
    void aHeartbeatTouchesNoTaskYetKeepsThePeerASourceInAll() throws Exception {
        String taskId = completedTask();
        fetchAll(taskId, "honest");
        String other = register("/other.bin", "honest").taskId();
        int updates = store.updates.get();
        int scans = store.updateAlls.get();
        service.heartbeat("honest");
        assertEquals(updates, store.updates.get(), "a heartbeat ran a task's entry processor");
        assertEquals(scans, store.updateAlls.get(), "a heartbeat scanned every task");
        // for three time-outs the peer only heartbeats: a newcomer's pull still finds it a source
        register("/file.bin", "newcomer");
        for (int i = 0; i < 6; i++) {
            clock.addAndGet(limits.peerTimeoutMillis() / 2);
            service.heartbeat("honest");
        }
        service.pull(taskId, new PullRequest("newcomer", "", 1));
        assertTrue(canServe(taskId, "honest"), "a peer that heartbeats stopped being a source");
        service.sweep(cdn);
        assertTrue(store.get(other).orElseThrow().swarm().peer("honest") != null, "a heartbeating peer was swept");
        // then it goes silent: no longer a source after the time-out, gone after twice that, its record after three
        clock.addAndGet(limits.peerTimeoutMillis() + 1);
        service.pull(taskId, new PullRequest("newcomer", "", 1));
        assertFalse(canServe(taskId, "honest"), "a silent peer is still a source");
        clock.addAndGet(limits.peerTimeoutMillis());
        service.heartbeat("newcomer");
        service.sweep(cdn);
        assertEquals(null, store.get(taskId).orElseThrow().swarm().peer("honest"));
        assertEquals(null, store.get(other).orElseThrow().swarm().peer("honest"));
        assertEquals(Set.of("honest", "newcomer"), Set.copyOf(store.peers().heardBefore(Long.MAX_VALUE).keySet()));
        clock.addAndGet(limits.peerTimeoutMillis());
        service.heartbeat("newcomer");
        service.sweep(cdn);
        assertEquals(Set.of("newcomer"), store.peers().heardBefore(Long.MAX_VALUE).keySet(), "the silent peer's record stays");
    }

    @Test
    void theActiveTasksAreThoseWithADownloadRunning() throws Exception {
        String taskId = completedTask(); // its registrant holds nothing yet
        assertEquals(Set.of(taskId), service.activeTaskIds());
        fetchAll(taskId, "honest");
        assertEquals(Set.of(), service.activeTaskIds());
    }

    @Test
    void aHeartbeatForAPeerThatNeverRegisteredStoresNothing() {
        service.heartbeat("stranger");
        assertEquals(0, store.peers().size());
        assertEquals(400, assertThrows(ApiException.class, () -> service.heartbeat("supernode:m-1")).status());
        assertEquals(400, assertThrows(ApiException.class, () -> service.heartbeat(null)).status());
    }

    // --- registrations do not hold a thread, and their waiting is bounded ---

    @Test
    void registrationsWaitWithoutAThreadAndAtMostSoManyAtOnce() throws Exception {
        TaskService bounded = service(2);
        List<CompletableFuture<RegisterResponse>> waiting = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            waiting.add(bounded.registerAsync(new RegisterRequest(url("/slow/" + i), Map.of(), null, null, "p" + i,
                    "http://127.0.0.1:65001"), LOOPBACK));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (bounded.waitingRegistrations() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(2, bounded.waitingRegistrations());
        assertFalse(waiting.get(0).isDone(), "the origin has not answered yet");
        ExecutionException busy = assertThrows(ExecutionException.class, () -> bounded.registerAsync(new RegisterRequest(
                url("/slow/third"), Map.of(), null, null, "p3", "http://127.0.0.1:65001"), LOOPBACK).get(10, TimeUnit.SECONDS));
        ApiException e = (ApiException) busy.getCause();
        assertEquals(503, e.status());
        assertEquals("busy", e.code());
        assertEquals(1, e.retryAfterSeconds());
        assertEquals(1, metrics.registrationsRefused.count());
        answerHeaders.countDown();
        for (CompletableFuture<RegisterResponse> f : waiting) {
            assertEquals(CONTENT.length, f.get(20, TimeUnit.SECONDS).contentLength());
        }
        assertEquals(0, bounded.waitingRegistrations());
        // a registration for a task whose origin has answered does not wait and is never refused
        for (int i = 0; i < 5; i++) {
            assertEquals(CONTENT.length, bounded.register(new RegisterRequest(url("/slow/0"), Map.of(), null, null, "q" + i,
                    "http://127.0.0.1:65001"), LOOPBACK).contentLength());
        }
    }

    // --- FAILED tasks expire; gone peers leave their swarms ---

    @Test
    void aFailedTaskExpiresWithItsHeadersAndCdnData() throws Exception {
        ApiException missing = assertThrows(ApiException.class, () -> service.register(new RegisterRequest(url("/missing.bin"),
                Map.of("Authorization", "Bearer X"), null, null, "p1", "http://127.0.0.1:65001"), LOOPBACK));
        assertEquals(404, missing.status());
        String taskId = io.dfly.core.task.TaskIds.derive(url("/missing.bin"), null, null, List.of());
        assertTrue(headers.get(taskId).isPresent());
        // leftover CDN data of it on this member
        try (FileChannel ch = cdn.openForWrite(taskId, 16)) {
            cdn.writePiece(ch, taskId, 0, new byte[16], 16, "sha256:x");
        }
        // and data of a task the grid no longer has at all
        String orphan = "b".repeat(64);
        try (FileChannel ch = cdn.openForWrite(orphan, 16)) {
            cdn.writePiece(ch, orphan, 0, new byte[16], 16, "sha256:y");
        }
        clock.addAndGet(TTL.toMillis() - 1);
        assertEquals(List.of(), service.sweep(cdn));
        assertTrue(store.get(taskId).isPresent(), "kept until the TTL");
        assertTrue(cdn.holds(taskId));
        assertFalse(cdn.holds(orphan), "data of a task nobody knows is deleted");
        clock.addAndGet(1);
        assertEquals(List.of(taskId), service.sweep(cdn));
        assertFalse(store.get(taskId).isPresent());
        assertFalse(headers.get(taskId).isPresent(), "its sealed headers went with it");
        assertFalse(cdn.holds(taskId));
        assertFalse(Files.exists(dataDir.resolve("tasks").resolve(taskId)));
        assertEquals(1, metrics.failedTasksExpired.count());
    }

    @Test
    void peersThatLeftOrWentSilentLeaveTheSwarm() throws Exception {
        String taskId = completedTask();
        register("/file.bin", "silent");
        register("/file.bin", "leaving");
        assertEquals(3, service.view(taskId).peers());
        service.leave(taskId, "leaving");
        assertEquals(null, store.get(taskId).orElseThrow().swarm().peer("leaving"), "a peer that left is removed at once");
        clock.addAndGet(2 * limits.peerTimeoutMillis() + 1);
        service.heartbeat("honest");
        service.sweep(cdn);
        TaskRecord r = store.get(taskId).orElseThrow();
        assertEquals(null, r.swarm().peer("silent"));
        assertTrue(r.swarm().peer("honest") != null);
        assertEquals(1, service.view(taskId).peers());
        // a removed peer must register again
        ApiException gone = assertThrows(ApiException.class, () -> service.pull(taskId, new PullRequest("silent", "", 4)));
        assertEquals("peer_not_registered", gone.code());
    }
}
