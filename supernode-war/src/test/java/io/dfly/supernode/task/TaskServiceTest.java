package io.dfly.supernode.task;

import com.sun.net.httpserver.HttpServer;
import io.dfly.core.piece.Digests;
import io.dfly.core.protocol.PieceAssignment;
import io.dfly.core.protocol.PieceSet;
import io.dfly.core.protocol.PullAction;
import io.dfly.core.protocol.PullRequest;
import io.dfly.core.protocol.PullResponse;
import io.dfly.core.protocol.RegisterRequest;
import io.dfly.core.protocol.RegisterResponse;
import io.dfly.core.protocol.TaskStatus;
import io.dfly.core.task.TaskIds;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The task service in one JVM: a real HTTP origin, a local task store, the real CDN and back-to-source. */
class TaskServiceTest {
    private static final byte[] CONTENT = new byte[9 * 1024 * 1024 + 17];
    private static final int PIECE = 4 * 1024 * 1024;
    private final Map<String, AtomicInteger> gets = new ConcurrentHashMap<>();
    private final Map<String, String> lastAuth = new ConcurrentHashMap<>();
    /** Every Authorization header the origin saw, as "path: value". */
    private final List<String> authSeen = new java.util.concurrent.CopyOnWriteArrayList<>();
    private HttpServer origin;
    private ExecutorService executor;
    private LocalTaskStore store;
    private CdnStore cdn;
    private TaskService service;
    private final TaskSignals signals = new TaskSignals();
    private ScheduledThreadPoolExecutor holds;
    private LocalOriginHeaders headers;
    private BackToSource b2s;
    private SeedIdentity self;
    /** /gated.bin: headers at once, its first piece once {@code firstPiece} opens, the rest once {@code rest} opens. */
    private final CountDownLatch firstPiece = new CountDownLatch(1);
    private final CountDownLatch rest = new CountDownLatch(1);
    @TempDir
    Path dataDir;

    @BeforeEach
    void setUp() throws Exception {
        new Random(3).nextBytes(CONTENT);
        origin = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        origin.createContext("/", ex -> {
            String path = ex.getRequestURI().getPath();
            gets.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            if (auth != null) {
                lastAuth.put(path, auth);
                authSeen.add(path + ": " + auth);
            }
            if (path.equals("/to-internal")) {
                ex.getResponseHeaders().set("Location", "http://10.255.255.1/x");
                ex.sendResponseHeaders(302, -1);
                ex.close();
                return;
            }
            if (path.equals("/gated.bin")) {
                ex.sendResponseHeaders(200, CONTENT.length);
                try {
                    firstPiece.await();
                    ex.getResponseBody().write(CONTENT, 0, PIECE);
                    ex.getResponseBody().flush();
                    rest.await();
                    ex.getResponseBody().write(CONTENT, PIECE, CONTENT.length - PIECE);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                ex.close();
                return;
            }
            int status = switch (path) {
                case "/file.bin", "/mirror/file.bin" -> 200;
                case "/empty.bin" -> 204;
                case "/denied.bin" -> 403;
                case "/login.bin" -> 401;
                case "/broken.bin" -> 500;
                default -> 404;
            };
            if (status == 204) {
                ex.sendResponseHeaders(200, -1); // an empty file
            } else if (status != 200) {
                ex.sendResponseHeaders(status, -1);
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
        store = new LocalTaskStore();
        cdn = new CdnStore(dataDir, System::currentTimeMillis);
        self = SeedIdentity.of("member-1", "127.0.0.1", 8002);
        headers = new LocalOriginHeaders();
        b2s = new BackToSource(store, headers, cdn, new OriginClient(Duration.ofSeconds(2), TestSecrets.LOOPBACK_ALLOWED),
                self, new SupernodeMetrics(), executor, System::currentTimeMillis, 0, signals, TestSecrets.SECRET);
        b2s.retryBackoff(java.util.Collections.nCopies(BackToSource.MAX_RETRIES, Duration.ofMillis(1)));
        service = new TaskService(store, headers, b2s, self, TestSecrets.SECRET, SchedulerLimits.defaults(), 2,
                List.of("Signature", "Expires", "OSSAccessKeyId", "token"), Duration.ofSeconds(30),
                TaskService.DEFAULT_FAILED_TASK_TTL, new SupernodeMetrics(),
                System::currentTimeMillis, signals, holds);
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        firstPiece.countDown();
        rest.countDown();
        origin.stop(0);
        executor.shutdownNow();
        holds.shutdownNow();
        // a back-to-source still writing its CDN files would race the temp dir's deletion
        assertTrue(executor.awaitTermination(10, TimeUnit.SECONDS), "back-to-source did not stop");
    }

    /** A service over the same store and back-to-source, with other limits and pull hold. */
    private TaskService service(SchedulerLimits limits, Duration pullHold) {
        return new TaskService(store, headers, b2s, self, TestSecrets.SECRET, limits, 2, List.of(), Duration.ofSeconds(30),
                TaskService.DEFAULT_FAILED_TASK_TTL, new SupernodeMetrics(), System::currentTimeMillis, signals, holds, pullHold,
                TaskService.MAX_WAITING_REGISTRATIONS);
    }

    /** As above, counting into {@code metrics}. */
    private TaskService service(SchedulerLimits limits, Duration pullHold, SupernodeMetrics metrics) {
        return new TaskService(store, headers, b2s, self, TestSecrets.SECRET, limits, 2, List.of(), Duration.ofSeconds(30),
                TaskService.DEFAULT_FAILED_TASK_TTL, metrics, System::currentTimeMillis, signals, holds, pullHold,
                TaskService.MAX_WAITING_REGISTRATIONS);
    }

    /** The address the registrations below come from (their peerUrl's host). */
    private static final String LOOPBACK = "127.0.0.1";

    private static RegisterRequest registration(String url, String peer) {
        return new RegisterRequest(url, Map.of(), null, null, peer, "http://127.0.0.1:65001");
    }

    private String url(String path) {
        return "http://127.0.0.1:" + origin.getAddress().getPort() + path;
    }

    private RegisterResponse register(String url, String digest, String peer) {
        return service.register(new RegisterRequest(url, Map.of("Authorization", "Bearer s3cret"), digest, null, peer,
                "http://127.0.0.1:65001"), LOOPBACK);
    }

    private TaskRecord awaitDone(String taskId) throws InterruptedException {
        while (true) {
            TaskRecord r = store.get(taskId).orElseThrow();
            if (r.status() == TaskStatus.SUCCESS || r.status() == TaskStatus.FAILED) {
                return r;
            }
            Thread.sleep(10);
        }
    }

    @Test
    void taskIdIgnoresVolatileParamsAndTheOriginIsFetchedOnce() throws Exception {
        RegisterResponse one = register(url("/file.bin?Signature=a&Expires=1&token=x&v=2"), null, "p1");
        RegisterResponse two = register(url("/file.bin?v=2&Signature=b&Expires=9"), null, "p2");
        assertEquals(one.taskId(), two.taskId());
        assertEquals(TaskIds.derive(url("/file.bin?v=2"), null, null, List.of()), one.taskId());
        assertNotEquals(one.taskId(), register(url("/file.bin?v=3"), null, "p3").taskId());
        assertEquals(CONTENT.length, one.contentLength());
        assertEquals(4 * 1024 * 1024, one.pieceSize());
        assertEquals("supernode:127.0.0.1:8002", one.supernodeId());
        TaskRecord done = awaitDone(one.taskId());
        assertEquals(TaskStatus.SUCCESS, done.status());
        assertEquals(Digests.sha256(CONTENT), done.fileDigest());
        assertEquals(2, gets.get("/file.bin").get(), "one fetch per distinct task (v=2 and v=3)");
        assertEquals("Bearer s3cret", lastAuth.get("/file.bin"), "the registering peer's headers reach the origin");
    }

    @Test
    void concurrentFirstRegistrationsFetchTheOriginOnce() throws Exception {
        List<java.util.concurrent.Future<RegisterResponse>> all = new java.util.ArrayList<>();
        java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
        for (int i = 0; i < 8; i++) {
            String peer = "peer-" + i;
            all.add(executor.submit(() -> {
                go.await();
                return register(url("/file.bin"), null, peer);
            }));
        }
        go.countDown();
        for (var f : all) {
            assertEquals(CONTENT.length, f.get().contentLength());
        }
        assertEquals(1, gets.get("/file.bin").get());
        assertEquals(8, service.view(all.get(0).get().taskId()).peers());
    }

    @Test
    void aKnownDigestNamesTheTaskAndIsChecked() throws Exception {
        String digest = Digests.sha256(CONTENT);
        RegisterResponse r = register(url("/file.bin"), digest, "p1");
        assertEquals(TaskIds.derive(url("/other/path"), digest, null, List.of()), r.taskId(),
                "a digest names the task within its origin, whatever the path");
        assertNotEquals(TaskIds.derive("http://elsewhere/x", digest, null, List.of()), r.taskId(),
                "the same digest on another origin is another task");
        assertEquals(TaskStatus.SUCCESS, awaitDone(r.taskId()).status());

        String wrong = "sha256:" + "0".repeat(64);
        RegisterResponse bad = register(url("/file.bin"), wrong, "p1");
        TaskRecord failed = awaitDone(bad.taskId());
        assertEquals(TaskStatus.FAILED, failed.status());
        assertEquals("digest_mismatch", failed.failCode());
        assertFalse(cdn.holds(bad.taskId()));
        assertFalse(Files.exists(dataDir.resolve("tasks").resolve(bad.taskId())), "data of a mismatching task is deleted");
        PullResponse pull = service.pull(bad.taskId(), new PullRequest("p1", "", 4));
        assertEquals(PullAction.FAILED, pull.action());
        assertTrue(pull.reason().contains("does not match"), pull.reason());
    }

    @Test
    void anEmptyFileIsOneEmptyPiece() throws Exception {
        RegisterResponse r = register(url("/empty.bin"), null, "p1");
        assertEquals(0, r.contentLength());
        TaskRecord done = awaitDone(r.taskId());
        assertEquals(TaskStatus.SUCCESS, done.status());
        assertEquals(1, done.pieceCount());
        PullResponse pull = service.pull(r.taskId(), new PullRequest("p1", "", 4));
        assertEquals(PullAction.ASSIGNED, pull.action());
        assertEquals(0, pull.pieces().get(0).length());
        assertEquals(Digests.sha256(new byte[0]), pull.pieces().get(0).digest());
    }

    @Test
    void originErrorsMapToApiErrors() {
        assertEquals(404, assertThrows(ApiException.class, () -> register(url("/missing.bin"), null, "p")).status());
        assertEquals(403, assertThrows(ApiException.class, () -> register(url("/denied.bin"), null, "p")).status());
        assertEquals(401, assertThrows(ApiException.class, () -> register(url("/login.bin"), null, "p")).status());
        assertEquals(502, assertThrows(ApiException.class, () -> register(url("/broken.bin"), null, "p")).status());
        assertEquals(502, assertThrows(ApiException.class, () -> register("http://127.0.0.1:1/x", null, "p")).status());
        assertEquals(400, assertThrows(ApiException.class, () -> register("ftp://h/x", null, "p")).status());
        assertEquals(400, assertThrows(ApiException.class, () -> register(url("/file.bin"), "md5:abc", "p")).status());
        assertEquals(400, assertThrows(ApiException.class, () -> register(url("/file.bin"), null, " ")).status());
        // a failed task is retried by the next registration
        int before = gets.get("/missing.bin").get();
        assertThrows(ApiException.class, () -> register(url("/missing.bin"), null, "p"));
        assertEquals(before + 1, gets.get("/missing.bin").get());
    }

    @Test
    void aPeerGetsEveryPieceThenDone() throws Exception {
        RegisterResponse r = register(url("/file.bin"), null, "p1");
        awaitDone(r.taskId());
        BitSet have = new BitSet();
        while (true) {
            PullResponse pull = service.pull(r.taskId(), new PullRequest("p1", PieceSet.encode(have), 4));
            if (pull.action() == PullAction.DONE) {
                break;
            }
            assertEquals(PullAction.ASSIGNED, pull.action());
            assertTrue(pull.pieces().size() <= 2, "peer-download-limit caps the assignments");
            pull.pieces().forEach(a -> {
                assertTrue(cdn.piece(r.taskId(), a.pieceNum()).isPresent());
                have.set(a.pieceNum());
                service.report(r.taskId(), new io.dfly.core.protocol.PieceReport("p1", a.pieceNum(), a.sourcePeerId(), true, null));
            });
        }
        assertEquals(3, have.cardinality());
        service.leave(r.taskId(), "p1");
        assertEquals(0, service.view(r.taskId()).peers());
        assertThrows(ApiException.class, () -> service.pull("z".repeat(64), new PullRequest("p1", "", 4)));
    }

    @Test
    void theCdnCopyHoldsTheOriginsBytesPieceByPiece() throws Exception {
        RegisterResponse r = register(url("/file.bin"), null, "p1");
        assertEquals(TaskStatus.SUCCESS, awaitDone(r.taskId()).status());
        byte[] stored = Files.readAllBytes(cdn.taskDir(r.taskId()).resolve("data"));
        assertArrayEquals(CONTENT, stored);
        for (int n = 0; n < 3; n++) {
            CdnStore.PieceRef ref = cdn.piece(r.taskId(), n).orElseThrow();
            int length = Math.min(PIECE, CONTENT.length - n * PIECE);
            assertEquals(length, ref.length());
            assertEquals(Digests.sha256(CONTENT, n * PIECE, length), ref.digest());
        }
    }

    @Test
    void aHeldPullIsAnsweredAsSoonAsTheFirstPieceLands() throws Exception {
        // held far longer than the test waits: only the piece's signal can answer it in time
        TaskService held = service(SchedulerLimits.defaults(), Duration.ofSeconds(60));
        RegisterResponse r = held.register(registration(url("/gated.bin"), "p1"), LOOPBACK);
        assertEquals(CONTENT.length, r.contentLength());
        CompletableFuture<PullResponse> pull = held.pullHeld(r.taskId(), new PullRequest("p1", "", 2));
        assertFalse(pull.isDone(), "nothing to fetch yet: the pull is held, not answered WAIT");
        assertEquals(1, signals.waiting(r.taskId()));
        firstPiece.countDown();
        PullResponse answer = pull.get(20, TimeUnit.SECONDS);
        assertEquals(PullAction.ASSIGNED, answer.action());
        assertEquals(0, answer.pieces().get(0).pieceNum());
        assertEquals(0, signals.waiting(r.taskId()), "an answered hold leaves nothing behind");
        // the rest of the body is still on its way: piece 0 was shared before it
        assertEquals(TaskStatus.RUNNING, store.get(r.taskId()).orElseThrow().status());
        rest.countDown();
        TaskRecord done = awaitDone(r.taskId());
        assertEquals(TaskStatus.SUCCESS, done.status());
        assertEquals(Digests.sha256(CONTENT), done.fileDigest());
    }

    @Test
    void aRegistrationAskingForItIsAnsweredWithItsFirstAssignmentsOnceTheFirstPieceLands() throws Exception {
        // held far longer than the test waits: only the piece's signal can answer it in time
        TaskService held = service(SchedulerLimits.defaults(), Duration.ofSeconds(60));
        RegisterRequest req = new RegisterRequest(url("/gated.bin"), Map.of(), null, null, "p1", "http://127.0.0.1:65001", 3);
        CompletableFuture<RegisterResponse> registered = held.registerAsync(req, LOOPBACK);
        String taskId = TaskIds.derive(url("/gated.bin"), null, null, List.of());
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!store.get(taskId).map(t -> t.swarm() != null && t.swarm().peer("p1") != null).orElse(false)
                && System.nanoTime() < until) {
            Thread.sleep(5);
        }
        Thread.sleep(100);
        assertFalse(registered.isDone(), "the origin answered, no piece yet: the registrant's first pull is held");
        firstPiece.countDown();
        RegisterResponse r = registered.get(20, TimeUnit.SECONDS);
        assertEquals(CONTENT.length, r.contentLength());
        PullResponse first = r.firstPull();
        assertEquals(PullAction.ASSIGNED, first.action());
        assertEquals(List.of(0), first.pieces().stream().map(PieceAssignment::pieceNum).toList());
        var grants = TestSecrets.SECRET.pieceGrants();
        assertEquals(java.util.Optional.empty(), grants.refusal(first.pieces().get(0).grant(), r.taskId(), 0, "p1"));
        assertTrue(grants.refusal(first.pieces().get(0).grant(), r.taskId(), 0, "p2").isPresent(), "the registrant's grant only");
        // it is the registrant's own pull: the piece is in flight for it, not assigned to it again
        rest.countDown();
        awaitDone(r.taskId());
        PullResponse next = held.pull(r.taskId(), new PullRequest("p1", "", 3));
        assertFalse(next.pieces().stream().anyMatch(a -> a.pieceNum() == 0), "piece 0 assigned twice: " + next.pieces());
        // asking for none (maxPieces 0, as before): no first pull, answered on the origin's answer
        RegisterResponse plain = held.register(registration(url("/gated.bin"), "p2"), LOOPBACK);
        assertNull(plain.firstPull());
    }

    @Test
    void aWaitAfterAHoldTellsThePeerToAskAgainAtOnce() throws Exception {
        TaskService held = service(SchedulerLimits.defaults(), Duration.ofMillis(150));
        RegisterResponse r = held.register(registration(url("/gated.bin"), "p1"), LOOPBACK);
        assertEquals(100, held.pull(r.taskId(), new PullRequest("p1", "", 2)).waitMillis(),
                "an immediate WAIT keeps its usual wait");
        long t0 = System.nanoTime();
        PullResponse answer = held.pullHeld(r.taskId(), new PullRequest("p1", "", 2)).get(20, TimeUnit.SECONDS);
        long heldMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertEquals(PullAction.WAIT, answer.action());
        assertEquals(TaskService.HELD_WAIT_MILLIS, answer.waitMillis());
        // held for 3/4 to all of the 150 ms hold (holds end at random so a herd does not return at once)
        assertTrue(heldMillis >= 110, "held " + heldMillis + " ms");
        assertEquals(CONTENT.length, answer.contentLength());
        assertEquals(0, signals.waiting(r.taskId()));
    }

    @Test
    void aReportWakesAPullHeldBecauseEverySourceIsBusy() throws Exception {
        // the supernode uploads one piece at a time; nobody else has anything yet
        SchedulerLimits oneSeedSlot = new SchedulerLimits(5, 1, 5, 30_000, 60_000, 1, 1, 3_600_000);
        TaskService held = service(oneSeedSlot, Duration.ofSeconds(60));
        String taskId = held.register(registration(url("/file.bin"), "p1"), LOOPBACK).taskId();
        held.register(registration(url("/file.bin"), "p2"), LOOPBACK);
        assertEquals(TaskStatus.SUCCESS, awaitDone(taskId).status());
        PullResponse first = held.pullHeld(taskId, new PullRequest("p1", "", 1)).get(20, TimeUnit.SECONDS);
        assertEquals(PullAction.ASSIGNED, first.action());
        var piece = first.pieces().get(0);
        CompletableFuture<PullResponse> second = held.pullHeld(taskId, new PullRequest("p2", "", 1));
        assertFalse(second.isDone(), "the seed's only slot is taken: p2's pull is held");
        held.report(taskId, new io.dfly.core.protocol.PieceReport("p1", piece.pieceNum(), piece.sourcePeerId(), true, null));
        PullResponse answer = second.get(20, TimeUnit.SECONDS);
        assertEquals(PullAction.ASSIGNED, answer.action());
    }

    @Test
    void shuttingDownAnswersHeldPullsWithTheirWait() throws Exception {
        TaskService held = service(SchedulerLimits.defaults(), Duration.ofSeconds(60));
        RegisterResponse r = held.register(registration(url("/gated.bin"), "p1"), LOOPBACK);
        CompletableFuture<PullResponse> pull = held.pullHeld(r.taskId(), new PullRequest("p1", "", 2));
        assertFalse(pull.isDone());
        signals.close();
        PullResponse answer = pull.get(20, TimeUnit.SECONDS);
        assertEquals(PullAction.WAIT, answer.action());
        assertEquals(TaskService.HELD_WAIT_MILLIS, answer.waitMillis());
    }

    @Test
    void aHeldPullFailsAsAPullDoes() {
        TaskService held = service(SchedulerLimits.defaults(), Duration.ofSeconds(60));
        ExecutionException missing = assertThrows(ExecutionException.class,
                () -> held.pullHeld("f".repeat(64), new PullRequest("p1", "", 2)).get(20, TimeUnit.SECONDS));
        assertEquals(404, ((ApiException) missing.getCause()).status());
        ExecutionException bad = assertThrows(ExecutionException.class,
                () -> held.pullHeld("f".repeat(64), new PullRequest(" ", "", 2)).get(20, TimeUnit.SECONDS));
        assertEquals(400, ((ApiException) bad.getCause()).status());
    }

    /** A service whose origin policy lists nothing: loopback origins are refused. */
    private TaskService strictService() {
        BackToSource strict = new BackToSource(store, headers, cdn,
                new OriginClient(Duration.ofSeconds(2), TestSecrets.NOTHING_LISTED), self, new SupernodeMetrics(), executor,
                System::currentTimeMillis, 0, signals, TestSecrets.SECRET);
        return new TaskService(store, headers, strict, self, TestSecrets.SECRET, SchedulerLimits.defaults(), 2, List.of(),
                Duration.ofSeconds(30), TaskService.DEFAULT_FAILED_TASK_TTL, new SupernodeMetrics(), System::currentTimeMillis, signals, holds);
    }

    @Test
    void everyAssignmentCarriesAGrantForThePullingPeerOnly() throws Exception {
        RegisterResponse r = register(url("/file.bin"), null, "p1");
        register(url("/file.bin"), null, "p2");
        awaitDone(r.taskId());
        PullResponse pull = service.pull(r.taskId(), new PullRequest("p1", "", 2));
        assertEquals(PullAction.ASSIGNED, pull.action());
        var grants = TestSecrets.SECRET.pieceGrants();
        for (var a : pull.pieces()) {
            assertEquals(java.util.Optional.empty(), grants.refusal(a.grant(), r.taskId(), a.pieceNum(), "p1"));
            assertTrue(grants.refusal(a.grant(), r.taskId(), a.pieceNum(), "p2").isPresent(), "another peer's grant");
            assertTrue(grants.refusal(a.grant(), r.taskId(), a.pieceNum() + 1, "p1").isPresent(), "another piece");
            assertTrue(TestSecrets.OTHER_SECRET.pieceGrants().refusal(a.grant(), r.taskId(), a.pieceNum(), "p1").isPresent(),
                    "another cluster's key");
        }
        // held pulls too
        PullResponse held = service.pullHeld(r.taskId(), new PullRequest("p2", "", 1)).get(20, TimeUnit.SECONDS);
        assertEquals(java.util.Optional.empty(), grants.refusal(held.pieces().get(0).grant(), r.taskId(),
                held.pieces().get(0).pieceNum(), "p2"));
    }

    @Test
    void aRegistrantsCredentialsNeverGoToAnotherRegistrantsUrl() throws Exception {
        String digest = Digests.sha256(CONTENT);
        // the attacker registers the digest first, under a URL it chose (same origin: digest tasks are per origin)
        RegisterResponse first = service.register(new RegisterRequest(url("/file.bin"), Map.of(), digest, null, "attacker",
                "http://127.0.0.1:65001"), LOOPBACK);
        // the victim joins the same task with its own URL and token
        RegisterResponse victim = service.register(new RegisterRequest(url("/mirror/file.bin"),
                Map.of("Authorization", "Bearer VICTIM"), digest, null, "victim", "http://127.0.0.1:65001"), LOOPBACK);
        assertEquals(first.taskId(), victim.taskId(), "the victim still joins the swarm");
        assertEquals(TaskStatus.SUCCESS, awaitDone(first.taskId()).status());
        // the CDN copy's member is gone: a survivor fetches the task's (the attacker's) URL again
        int before = gets.get("/file.bin").get();
        service.memberGone(self.memberId());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (gets.get("/file.bin").get() == before && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(before + 1, gets.get("/file.bin").get(), "the take-over fetched the task's URL again");
        assertEquals(TaskStatus.SUCCESS, awaitDone(first.taskId()).status());
        assertTrue(authSeen.stream().noneMatch(a -> a.contains("VICTIM")), "the victim's token reached the origin: " + authSeen);
        assertTrue(headers.get(first.taskId()).orElseThrow().headers().isEmpty(), "the victim's headers were kept");
        assertEquals(2, service.view(first.taskId()).peers());

        // a registrant of the task's own URL: its headers are kept (the latest for that URL)
        service.register(new RegisterRequest(url("/file.bin?Signature=x"), Map.of("Authorization", "Bearer SAME"), digest,
                null, "p3", "http://127.0.0.1:65001"), LOOPBACK);
        assertEquals("Bearer SAME", headers.get(first.taskId()).orElseThrow().headers().get("Authorization"));
    }

    @Test
    void aFailedTaskRestartsWithTheRestartingRegistrantsUrlAndHeaders() throws Exception {
        String digest = Digests.sha256(CONTENT);
        ApiException missing = assertThrows(ApiException.class, () -> service.register(new RegisterRequest(
                url("/missing.bin"), Map.of("Authorization", "Bearer FIRST"), digest, null, "p1", "http://127.0.0.1:65001"), LOOPBACK));
        assertEquals(404, missing.status());
        RegisterResponse r = service.register(new RegisterRequest(url("/file.bin"), Map.of("Authorization", "Bearer SECOND"),
                digest, null, "p2", "http://127.0.0.1:65001"), LOOPBACK);
        assertEquals(TaskStatus.SUCCESS, awaitDone(r.taskId()).status(), "the restart fetched the new URL");
        assertEquals(List.of("/missing.bin: Bearer FIRST", "/file.bin: Bearer SECOND"), authSeen);
        assertEquals(url("/file.bin"), service.view(r.taskId()).url());
    }

    @Test
    void aRefusedOriginIsAnsweredAtOnceAndNothingIsFetched() {
        ApiException refused = assertThrows(ApiException.class, () -> strictService().register(registration(url("/file.bin"), "p1"), LOOPBACK));
        assertEquals(403, refused.status());
        assertEquals("origin_refused", refused.code());
        assertTrue(refused.getMessage().contains("dfly.supernode.allowed-origins"), refused.getMessage());
        assertEquals(null, gets.get("/file.bin"), "nothing fetched");
        assertEquals(0, store.size(), "nothing registered");
        assertEquals(403, assertThrows(ApiException.class,
                () -> strictService().register(registration("http://169.254.169.254/latest/meta-data", "p1"), LOOPBACK)).status());
    }

    @Test
    void aRedirectToARefusedHostFailsTheTaskWithoutFollowingIt() {
        ApiException refused = assertThrows(ApiException.class, () -> register(url("/to-internal"), null, "p1"));
        assertEquals(403, refused.status());
        assertEquals("origin_refused", refused.code());
        assertTrue(refused.getMessage().contains("10.255.255.1"), refused.getMessage());
    }

    @Test
    void theGridHoldsNoQueryStringAndNoCredentialInClear() throws Exception {
        RegisterResponse r = service.register(new RegisterRequest(url("/file.bin?X-Amz-Signature=SECRETSIG&keep=SECRETKEEP"),
                Map.of("Authorization", "Bearer SECRETTOKEN"), null, null, "p1", "http://127.0.0.1:65001"), LOOPBACK);
        assertEquals(TaskStatus.SUCCESS, awaitDone(r.taskId()).status());
        assertEquals("Bearer SECRETTOKEN", lastAuth.get("/file.bin"), "back-to-source opened the sealed URL and headers");
        // what the tasks map would hold (and send to the backup member), serialized
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
            out.writeObject(store.get(r.taskId()).orElseThrow());
        }
        String grid = bytes.toString(java.nio.charset.StandardCharsets.ISO_8859_1);
        for (String secret : List.of("SECRETSIG", "SECRETKEEP", "SECRETTOKEN", "?")) {
            assertFalse(grid.contains(secret + (secret.equals("?") ? "X-Amz" : "")), secret + " is in the task record");
        }
        assertEquals(url("/file.bin"), store.get(r.taskId()).orElseThrow().displayUrl());
    }

    @Test
    void noSignatureOrTokenInLogsListingsOrErrors() throws Exception {
        java.util.List<java.util.logging.LogRecord> records = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Handler capture = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord r) {
                records.add(r);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        capture.setLevel(java.util.logging.Level.ALL);
        java.util.logging.Logger dfly = java.util.logging.Logger.getLogger("io.dfly");
        java.util.logging.Level was = dfly.getLevel();
        dfly.setLevel(java.util.logging.Level.ALL); // FINE lines too
        java.util.logging.Logger.getLogger("").addHandler(capture);
        java.util.List<String> answers = new java.util.ArrayList<>();
        try {
            String query = "?X-Amz-Signature=SECRETSIG&sig=S2";
            Map<String, String> auth = Map.of("Authorization", "Bearer SECRETTOKEN");
            // an origin that fails (500), one that cannot be reached, one whose redirect is refused
            for (String u : List.of(url("/broken.bin" + query), "http://127.0.0.1:1/x.bin" + query, url("/to-internal" + query))) {
                ApiException e = assertThrows(ApiException.class, () -> service.register(new RegisterRequest(u, auth, null,
                        null, "p1", "http://127.0.0.1:65001"), LOOPBACK));
                answers.add(e.getMessage());
            }
            assertTrue(lastAuth.get("/broken.bin").equals("Bearer SECRETTOKEN"), "the fetch did run with the token");
            for (TaskView v : service.list()) {
                answers.add(v.toString());
                answers.add(service.view(v.taskId()).toString());
                answers.add(new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(v));
            }
            assertEquals(3, service.list().size());
            // metrics carry no URL at all (fixed tag values): MetricsScrapeTest checks the real /metrics
        } finally {
            java.util.logging.Logger.getLogger("").removeHandler(capture);
            dfly.setLevel(was);
        }
        java.util.List<String> logged = new java.util.ArrayList<>();
        java.util.logging.SimpleFormatter format = new java.util.logging.SimpleFormatter();
        for (java.util.logging.LogRecord r : records) {
            logged.add(format.format(r)); // message, parameters and any exception with its stack trace
        }
        assertTrue(logged.stream().anyMatch(t -> t.contains(url("/broken.bin"))), "the failures were logged, URL shown: " + logged);
        for (String text : concat(logged, answers)) {
            for (String secret : List.of("SECRETSIG", "SECRETTOKEN", "Bearer", "X-Amz-Signature", "sig=")) {
                assertFalse(text.contains(secret), secret + " in: " + text);
            }
            assertFalse(java.util.regex.Pattern.compile("\\bS2\\b").matcher(text).find(), "S2 in: " + text);
        }
    }

    // ---- reports carried by pulls ----

    private static io.dfly.core.protocol.PieceReport success(String peer, io.dfly.core.protocol.PieceAssignment a) {
        return new io.dfly.core.protocol.PieceReport(peer, a.pieceNum(), a.sourcePeerId(), true, null);
    }

    private static PullRequest pullWith(String peer, int max, List<io.dfly.core.protocol.PieceReport> reports) {
        return new PullRequest(peer, "", max, reports);
    }

    private int piecesHeld(String taskId, String peer) {
        return store.get(taskId).orElseThrow().swarm().peer(peer).pieceCount();
    }

    @Test
    void aPullAppliesTheReportsItCarriesBeforeItAnswersSoTheLastPieceAndDoneAreOneRequest() throws Exception {
        SupernodeMetrics metrics = new SupernodeMetrics();
        TaskService svc = service(SchedulerLimits.defaults(), Duration.ZERO, metrics);
        String taskId = svc.register(registration(url("/file.bin"), "p1"), LOOPBACK).taskId();
        awaitDone(taskId);
        PullResponse first = svc.pull(taskId, new PullRequest("p1", "", 2));
        assertEquals(2, first.pieces().size());
        assertEquals(0, first.reportsRead());
        PullResponse second = svc.pull(taskId, pullWith("p1", 2, first.pieces().stream().map(a -> success("p1", a)).toList()));
        assertEquals(2, second.reportsRead(), "both read");
        assertEquals(2, piecesHeld(taskId, "p1"), "both applied: p1 is a source of them now");
        assertEquals(PullAction.ASSIGNED, second.action());
        assertEquals(1, second.pieces().size(), "the last piece");
        PullResponse last = svc.pull(taskId, pullWith("p1", 2, List.of(success("p1", second.pieces().get(0)))));
        assertEquals(PullAction.DONE, last.action(), "the last report and DONE in one request");
        assertEquals(0, metrics.reportsIgnored.count());
    }

    @Test
    void aReportInAPullIsAFactOnlyWhenItEndsThatPeersAssignment() throws Exception {
        SupernodeMetrics metrics = new SupernodeMetrics();
        TaskService svc = service(SchedulerLimits.defaults(), Duration.ZERO, metrics);
        String taskId = svc.register(registration(url("/file.bin"), "p1"), LOOPBACK).taskId();
        svc.register(registration(url("/file.bin"), "p2"), LOOPBACK);
        awaitDone(taskId);
        var mine = svc.pull(taskId, new PullRequest("p1", "", 1)).pieces().get(0);
        var theirs = svc.pull(taskId, new PullRequest("p2", "", 1)).pieces().get(0);
        // p1 claims a piece nobody assigned it, and its own piece from another source or none: claims, not facts
        int unassigned = (mine.pieceNum() + 1) % 3;
        PullResponse answer = svc.pull(taskId, pullWith("p1", 0, List.of(
                new io.dfly.core.protocol.PieceReport("p1", unassigned, mine.sourcePeerId(), true, null),
                new io.dfly.core.protocol.PieceReport("p1", mine.pieceNum(), "p2", true, null),
                new io.dfly.core.protocol.PieceReport("p1", mine.pieceNum(), null, true, null),
                new io.dfly.core.protocol.PieceReport("p1", unassigned, mine.sourcePeerId(), false, "no such fetch"))));
        assertEquals(4, answer.reportsRead());
        assertEquals(0, piecesHeld(taskId, "p1"));
        assertEquals(4, metrics.reportsIgnored.count(), "counted as POST .../reports counts them");
        assertEquals(0, metrics.pieceFailures(), "a failure of no assignment counts against nobody");
        // a report naming another peer than the pulling one is refused, and nothing of the pull happens
        ApiException forged = assertThrows(ApiException.class, () -> svc.pull(taskId,
                pullWith("p1", 2, List.of(success("p1", mine), success("p2", theirs)))));
        assertEquals(400, forged.status());
        assertTrue(forged.getMessage().contains("names peer p2"), forged.getMessage());
        assertEquals(0, piecesHeld(taskId, "p1"), "not even p1's own report of the refused pull was applied");
        assertEquals(0, piecesHeld(taskId, "p2"));
        ApiException negative = assertThrows(ApiException.class, () -> svc.pull(taskId, pullWith("p1", 2,
                List.of(new io.dfly.core.protocol.PieceReport("p1", -1, mine.sourcePeerId(), true, null)))));
        assertEquals(400, negative.status());
        // the real one still counts
        svc.pull(taskId, pullWith("p1", 0, List.of(success("p1", mine))));
        assertEquals(1, piecesHeld(taskId, "p1"));
        assertEquals(4, metrics.reportsIgnored.count());
        // and the old way still works beside it
        svc.report(taskId, success("p2", theirs));
        assertEquals(1, piecesHeld(taskId, "p2"));
    }

    @Test
    void aPullCarriesAtMost64Reports() throws Exception {
        String taskId = register(url("/file.bin"), null, "p1").taskId();
        awaitDone(taskId);
        var a = service.pull(taskId, new PullRequest("p1", "", 1)).pieces().get(0);
        List<io.dfly.core.protocol.PieceReport> many = java.util.Collections.nCopies(PullRequest.MAX_REPORTS + 1, success("p1", a));
        ApiException tooMany = assertThrows(ApiException.class, () -> service.pull(taskId, pullWith("p1", 1, many)));
        assertEquals(400, tooMany.status());
        assertTrue(tooMany.getMessage().contains("at most 64 reports"), tooMany.getMessage());
        ExecutionException held = assertThrows(ExecutionException.class,
                () -> service.pullHeld(taskId, pullWith("p1", 1, many)).get(20, TimeUnit.SECONDS));
        assertEquals(400, ((ApiException) held.getCause()).status());
        assertEquals(0, piecesHeld(taskId, "p1"));
        PullResponse ok = service.pull(taskId, pullWith("p1", 1, java.util.Collections.nCopies(PullRequest.MAX_REPORTS, success("p1", a))));
        assertEquals(PullRequest.MAX_REPORTS, ok.reportsRead());
        assertEquals(1, piecesHeld(taskId, "p1"), "64 is fine (the first counted, the repeats ignored)");
    }

    @Test
    void aHeldPullAppliesItsReportsOnceHoweverOftenItRunsAgain() throws Exception {
        SupernodeMetrics metrics = new SupernodeMetrics();
        TaskService held = service(SchedulerLimits.defaults(), Duration.ofSeconds(60), metrics);
        String taskId = held.register(registration(url("/gated.bin"), "p1"), LOOPBACK).taskId();
        firstPiece.countDown();
        PullResponse first = held.pullHeld(taskId, new PullRequest("p1", "", 2)).get(20, TimeUnit.SECONDS);
        assertEquals(PullAction.ASSIGNED, first.action());
        assertEquals(0, first.pieces().get(0).pieceNum());
        // its report rides on the next pull, which then has nothing to assign (the rest is still on its way): held
        CompletableFuture<PullResponse> next = held.pullHeld(taskId, pullWith("p1", 2, List.of(success("p1", first.pieces().get(0)))));
        assertFalse(next.isDone(), "held");
        assertEquals(1, piecesHeld(taskId, "p1"), "its report was applied before it was held");
        assertEquals(1, signals.waiting(taskId), "and did not wake the pull that carried it");
        for (int i = 0; i < 3; i++) {
            signals.signal(taskId); // each runs the held pull again
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (signals.waiting(taskId) == 0 && System.nanoTime() < until) {
                Thread.sleep(5);
            }
            assertFalse(next.isDone());
        }
        rest.countDown();
        PullResponse answer = next.get(20, TimeUnit.SECONDS);
        assertEquals(PullAction.ASSIGNED, answer.action());
        assertEquals(1, answer.reportsRead());
        assertEquals(0, metrics.reportsIgnored.count(), "never applied again (a second time would be ignored, and counted)");
        assertEquals(1, piecesHeld(taskId, "p1"));
    }

    @Test
    void aReportInAPullWakesOtherPeersHeldPulls() throws Exception {
        SchedulerLimits oneSeedSlot = new SchedulerLimits(5, 1, 5, 30_000, 60_000, 1, 1, 3_600_000);
        TaskService held = service(oneSeedSlot, Duration.ofSeconds(60));
        String taskId = held.register(registration(url("/file.bin"), "p1"), LOOPBACK).taskId();
        held.register(registration(url("/file.bin"), "p2"), LOOPBACK);
        assertEquals(TaskStatus.SUCCESS, awaitDone(taskId).status());
        PullResponse first = held.pullHeld(taskId, new PullRequest("p1", "", 1)).get(20, TimeUnit.SECONDS);
        CompletableFuture<PullResponse> second = held.pullHeld(taskId, new PullRequest("p2", "", 1));
        assertFalse(second.isDone(), "the seed's only slot is taken: p2's pull is held");
        held.pullHeld(taskId, pullWith("p1", 1, List.of(success("p1", first.pieces().get(0)))));
        assertEquals(PullAction.ASSIGNED, second.get(20, TimeUnit.SECONDS).action(), "as a report on its own wakes it");
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new java.util.ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
