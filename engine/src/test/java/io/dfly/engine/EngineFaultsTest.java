package io.dfly.engine;

import com.sun.net.httpserver.HttpServer;
import io.dfly.core.config.HostPort;
import io.dfly.core.download.DownloadException;
import io.dfly.core.download.DownloadHandle;
import io.dfly.core.download.DownloadRequest;
import io.dfly.core.download.DownloadResult;
import io.dfly.core.piece.Digests;
import io.dfly.core.protocol.PieceReport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 11's faults, engine side: each ends the download clearly or is survived, never hangs it, corrupts nothing. */
class EngineFaultsTest {
    private static final int PIECE = 64 * 1024;
    @TempDir
    Path tmp;
    private final byte[] content = new byte[PIECE * 16 + 1234];
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final List<LogRecord> logs = new CopyOnWriteArrayList<>();
    private final Logger engineLog = Logger.getLogger("io.dfly.engine");
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            if (r.getLevel().intValue() >= Level.INFO.intValue()) {
                logs.add(r);
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private TestOrigin origin;
    private FakeSupernode supernode;
    private String url;

    @BeforeEach
    void setUp() {
        new Random(11).nextBytes(content);
        origin = closing(new TestOrigin());
        url = origin.serve("/files/blob.bin", content) + "?X-Amz-Signature=topsecret";
        supernode = closing(new FakeSupernode(content, PIECE));
        engineLog.addHandler(capture);
    }

    @AfterEach
    void tearDown() throws Exception {
        engineLog.removeHandler(capture);
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    private <T extends AutoCloseable> T closing(T c) {
        closeables.add(c);
        return c;
    }

    private EngineConfig.Builder config(String name, List<HostPort> supernodes) {
        return EngineConfig.builder(tmp.resolve(name)).peerId(name).supernodes(supernodes).advertiseIp("127.0.0.1")
                .clusterSecret(FakeSupernode.SECRET);
    }

    private P2PEngine engine(EngineConfig.Builder b) {
        P2PEngine e = closing(new P2PEngine(b.build()));
        e.originBackoffMillis = new long[]{10, 20, 40, 80};
        e.fetcher.floorNanos = TimeUnit.MILLISECONDS.toNanos(300);
        return e;
    }

    private P2PEngine engine(String name) {
        return engine(config(name, List.of(supernode.hostPort())));
    }

    /** An engine whose supernode is down: every download goes back to source. */
    private P2PEngine alone(String name) throws IOException {
        return engine(config(name, List.of(new HostPort("127.0.0.1", deadPort()))));
    }

    private DownloadRequest request() {
        return new DownloadRequest(url, Map.of(), null, null, true);
    }

    private static DownloadResult await(DownloadHandle h) throws Exception {
        return h.completion().get(60, TimeUnit.SECONDS);
    }

    private static DownloadException failure(DownloadHandle h) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> await(h));
        return assertInstanceOf(DownloadException.class, e.getCause());
    }

    private static int deadPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static void eventually(String what, java.util.function.BooleanSupplier ok) throws InterruptedException {
        long until = System.currentTimeMillis() + 10_000;
        while (!ok.getAsBoolean()) {
            if (System.currentTimeMillis() > until) {
                throw new AssertionError("never: " + what);
            }
            Thread.sleep(20);
        }
    }

    private List<String> lines(Level level) {
        return logs.stream().filter(r -> r.getLevel().equals(level)).map(LogRecord::getMessage).toList();
    }

    private long storedTasks(P2PEngine e) throws IOException {
        try (var s = Files.list(e.store().root())) {
            return s.count();
        }
    }

    // ---- item 1: heartbeats go where the peer's tasks are registered, and stop when it holds none ----

    @Test
    void heartbeatsGoWhereTasksAreRegisteredAndStopWhenNoneIsHeld() throws Exception {
        P2PEngine a = engine(config("a", List.of(supernode.hostPort())).heartbeatInterval(Duration.ofMillis(100)));
        DownloadResult done = await(a.start(request()));
        eventually("a heartbeat after the completed task", () -> supernode.heartbeats.get() > 0);

        // a download that fails is forgotten at once (it serves nothing)
        String other = origin.serve("/files/other.bin", content);
        DownloadHandle failed = a.start(new DownloadRequest(other, Map.of(), Digests.sha256(new byte[]{1}), null, true));
        failure(failed);
        assertEquals(Map.of(supernode.hostPort(), List.of(done.taskId())), a.heldRegistrations());

        // evicted by GC: no longer served, no longer named; nothing left to beat for
        a.collectGarbage(List.of(new io.dfly.spi.GcPolicy() {
            @Override
            public String name() {
                return "all";
            }

            @Override
            public List<io.dfly.spi.CachedTask> selectEvictions(List<io.dfly.spi.CachedTask> cached, io.dfly.spi.DiskUsage d,
                                                               java.time.Instant now) {
                return cached;
            }
        }));
        assertEquals(Map.of(), a.heldRegistrations());
        Thread.sleep(150);
        int beats = supernode.heartbeats.get();
        Thread.sleep(400);
        assertEquals(beats, supernode.heartbeats.get(), "no task here: no heartbeat");
        assertEquals(0, supernode.ignoredReports.get(), "every report was for an assignment");
    }

    @Test
    void stoppingWithThousandsOfRegistrationsLeavesInParallelWithinItsBudget() throws Exception {
        P2PEngine a = engine("a");
        for (int i = 0; i < 2000; i++) {
            a.registered(supernode.hostPort(), String.format("%064x", i));
        }
        supernode.leaveDelayMillis = 20; // one at a time: 40 s
        long start = System.nanoTime();
        a.close();
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(millis < P2PEngine.LEAVE_BUDGET.toMillis() + 3000, "stopping took " + millis + " ms");
        assertTrue(supernode.leaves.get() > 2 * P2PEngine.LEAVE_BUDGET.toMillis() / 20,
                "leaves were sent one at a time: " + supernode.leaves.get());
    }

    @Test
    void aHeartbeatIsOneRequestWithoutABody() throws Exception {
        P2PEngine a = engine("a");
        assertEquals(204, a.supernodes.heartbeat(supernode.hostPort(), "a"));
        assertEquals(List.of(0), supernode.heartbeatBodyBytes);
    }

    // ---- item 2: reports are facts ----

    @Test
    void aPieceAssignedThatIsAlreadyHereIsReportedAtOnceAndNotFetchedAgain() throws Exception {
        supernode.dropPullsAfter = 3; // dies for this peer: the next supernode knows nothing of what it holds
        try (FakeSupernode second = new FakeSupernode(content, PIECE)) {
            P2PEngine a = engine(config("a", List.of(supernode.hostPort(), second.hostPort())));
            DownloadResult r = await(a.start(request()));
            assertFalse(r.fellBack());
            assertArrayEquals(content, Files.readAllBytes(r.file()));
            int held = supernode.piecesServed.get();
            assertTrue(held > 0, "some pieces came from the first supernode");
            assertEquals(supernode.pieceCount(), held + second.piecesServed.get(), "no piece was fetched twice");
            synchronized (second) {
                assertEquals(second.pieceCount(), second.reports.stream().filter(PieceReport::success).count(),
                        "the second supernode heard of every piece, the held ones too");
            }
            assertEquals(0, second.ignoredReports.get(), "and only for assignments it gave");
        }
    }

    // ---- item 4: deadlines ----

    /** A peer source that sends 1 KiB every 100 ms. */
    private String trickleSource() throws IOException {
        return trickleSource(100);
    }

    /** A peer source that sends 1 KiB, then 1 KiB every {@code everyMillis}. */
    private String trickleSource(long everyMillis) throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        s.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "trickle");
            t.setDaemon(true);
            return t;
        }));
        s.createContext("/", ex -> {
            try (ex) {
                int n = Integer.parseInt(ex.getRequestURI().getPath().substring(ex.getRequestURI().getPath().lastIndexOf('/') + 1));
                int len = Math.min(PIECE, content.length - n * PIECE);
                ex.sendResponseHeaders(200, len);
                OutputStream out = ex.getResponseBody();
                for (int off = 0; off < len; off += 1024) {
                    out.write(content, n * PIECE + off, Math.min(1024, len - off));
                    out.flush();
                    Thread.sleep(everyMillis);
                }
            } catch (InterruptedException | IOException e) {
                // cut off
            }
        });
        s.start();
        closing(() -> s.stop(0));
        return "http://127.0.0.1:" + s.getAddress().getPort();
    }

    @Test
    void aTricklePeerIsCutAtItsDeadlineAndThePieceIsReassignedAtOnce() throws Exception {
        supernode.addHolder("slowpoke", trickleSource(), IntStream.range(0, supernode.pieceCount()).toArray());
        P2PEngine b = engine("b");
        long t0 = System.nanoTime();
        DownloadResult r = await(b.start(request()));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertArrayEquals(content, Files.readAllBytes(r.file()));
        assertFalse(r.fellBack());
        // 300 ms floor (10 s in production) + 64 KiB at 1 MiB/s: the three trickled pieces fail together, then the CDN
        assertTrue(ms < 5_000, "took " + ms + " ms");
        assertTrue(supernode.failuresOf("slowpoke") >= 1, "the misses counted against the trickle peer");
        synchronized (supernode) {
            assertTrue(supernode.reports.stream().anyMatch(p -> !p.success() && p.sourcePeerId().equals("slowpoke")
                    && p.reason().contains("missed its deadline") && p.reason().contains("dfly.dfdaemon.piece-min-rate")),
                    supernode.reports.toString());
        }
        assertEquals(0, supernode.ignoredReports.get());
    }

    @Test
    void aTricklePeerIsCutByThePaceLongBeforeItsDeadline() throws Exception {
        supernode.addHolder("slowpoke", trickleSource(1000), IntStream.range(0, supernode.pieceCount()).toArray());
        P2PEngine b = engine("b");
        b.fetcher.floorNanos = TimeUnit.SECONDS.toNanos(PieceFetcher.DEADLINE_FLOOR_SECONDS); // production: 10 s
        long t0 = System.nanoTime();
        DownloadResult r = await(b.start(request()));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertArrayEquals(content, Files.readAllBytes(r.file()));
        assertFalse(r.fellBack());
        // 1 KiB/s: behind the pace of a 10 s deadline soon after the 2 s grace (a piece given to it again while the
        // first failures were being reported costs one more grace); then the CDN, at full speed
        assertTrue(ms >= 2_000 && ms < 8_000, "took " + ms + " ms (each deadline is over 10 s)");
        assertTrue(supernode.failuresOf("slowpoke") >= 3, "the three trickled pieces failed together");
        synchronized (supernode) {
            // cut by the pace, or (assigned again before the supernode dropped it) avoided after three failures
            assertTrue(supernode.reports.stream().filter(p -> !p.success()).allMatch(p -> p.sourcePeerId().equals("slowpoke")
                    && (p.reason().startsWith("source slowpoke is too slow: ") && p.reason().contains("dfly.dfdaemon.piece-min-rate")
                    || p.reason().equals("source slowpoke avoided after 3 failures"))), supernode.reports.toString());
            assertTrue(supernode.reports.stream().filter(p -> !p.success() && p.reason().contains("too slow")).count() >= 3,
                    supernode.reports.toString());
        }
        assertEquals(0, supernode.ignoredReports.get());
    }

    @Test
    void aDownloadNeverWaitsOnADeadFetch() throws Exception {
        // the first piece write hangs 8 s (a stuck fetch); then the supernode says FAILED: the download must
        // stop waiting for the stuck fetch soon after its deadline and finish from the origin
        supernode.failAfterPulls = 1;
        P2PEngine a = engine("a");
        AtomicBoolean first = new AtomicBoolean(true);
        a.store().writeGuard(bytes -> {
            if (bytes > 0 && first.compareAndSet(true, false)) {
                try {
                    Thread.sleep(8_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        long t0 = System.nanoTime();
        DownloadResult r = await(a.start(request()));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(r.fellBack());
        assertArrayEquals(content, Files.readAllBytes(r.file()));
        assertTrue(ms < 6_000, "waited " + ms + " ms on a stuck fetch");
    }

    // ---- item 6: pieces shared only when trustworthy ----

    @Test
    void aFailedTaskDeletesItsPiecesBeforeAnythingElseAndAStreamThatReadThemFails() throws Exception {
        supernode.holdPiece = supernode.pieceCount() - 1; // the download cannot finish by P2P
        P2PEngine a = engine("a");
        List<String> storedAtOriginRequest = new CopyOnWriteArrayList<>();
        origin.onRequest = () -> a.store().all().forEach(t -> storedAtOriginRequest.add(t.taskId() + ":" + t.piecesHeld()));
        DownloadHandle h = a.start(request());
        InputStream in = h.openStream();
        byte[] head = in.readNBytes(PIECE);
        assertArrayEquals(Arrays.copyOf(content, PIECE), head);
        String taskId = h.taskId();
        eventually("a few pieces are here", () -> a.store().find(taskId).map(StoredTask::piecesHeld).orElse(0) >= 3);
        supernode.failTask = true; // the supernode's whole-file check failed
        supernode.release.countDown();
        DownloadResult r = await(h);
        assertTrue(r.fellBack());
        assertEquals(List.of(), storedAtOriginRequest, "every piece was deleted before the origin was asked");
        assertArrayEquals(content, Files.readAllBytes(r.file()));
        IOException e = assertThrows(IOException.class, in::readAllBytes);
        assertTrue(e.getMessage().contains("reported the task FAILED (origin broke); its pieces were dropped"), e.getMessage());
        // a stream opened now reads the origin's copy, whole
        try (InputStream again = h.openStream()) {
            assertArrayEquals(content, again.readAllBytes());
        }
    }

    @Test
    void aWholeFileMismatchDeletesEveryPieceAndServesNone() throws Exception {
        supernode.announcedDigest = Digests.sha256(new byte[]{7});
        P2PEngine a = engine("a");
        DownloadHandle h = a.start(request());
        DownloadException e = failure(h);
        assertEquals(DownloadException.Kind.DIGEST_MISMATCH, e.kind());
        assertEquals(0, storedTasks(a));
        assertTrue(a.store().find(h.taskId()).isEmpty());
        HttpResponse<Void> asked = HttpClient.newHttpClient().send(
                P2PEngineTest.granted(a.advertisedUrl(), h.taskId(), 0, "b").build(), HttpResponse.BodyHandlers.discarding());
        assertEquals(404, asked.statusCode(), "no piece of it is served");
    }

    // ---- item 7: a restarted dfdaemon keeps serving what it completed ----

    @Test
    void aRestartedEngineServesItsCompletedTasksToPeersAndToItsOwnClients() throws Exception {
        P2PEngine a = engine("a");
        DownloadResult first = await(a.start(request()));
        a.close();
        int registrations = supernode.registrations.get();

        P2PEngine again = engine(config("a", List.of(supernode.hostPort())).peerId("a-restarted"));
        // its own clients: at once, from disk, no supernode, no origin
        DownloadHandle h = again.start(request());
        assertTrue(h.completion().isDone());
        try (InputStream in = h.openStream()) {
            assertArrayEquals(content, in.readAllBytes());
        }
        assertEquals(registrations, supernode.registrations.get());
        // peers with a grant: every piece
        HttpClient http = HttpClient.newHttpClient();
        for (int n = 0; n < supernode.pieceCount(); n++) {
            HttpResponse<byte[]> got = http.send(P2PEngineTest.granted(again.advertisedUrl(), first.taskId(), n, "b").build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(200, got.statusCode());
            assertArrayEquals(Arrays.copyOfRange(content, n * PIECE, Math.min(content.length, (n + 1) * PIECE)), got.body());
        }
        // and as the source of a swarm
        supernode.addHolder("a-restarted", again.advertisedUrl(), IntStream.range(0, supernode.pieceCount()).toArray());
        P2PEngine b = engine("b");
        DownloadResult r = await(b.start(request()));
        assertEquals(content.length, r.progress().fromPeers());
        assertArrayEquals(content, Files.readAllBytes(r.file()));
        assertEquals(0, origin.gets.get());
    }

    @Test
    void aCompletedDownloadIsKeptForARestartRightAfterItsAnswerWithoutAShutdown() throws Exception {
        P2PEngine a = engine("a");
        DownloadResult first = await(a.start(request()));
        // the answer does not wait for the fsync and meta.properties (issue 12): they follow on the download's thread
        Path meta = first.file().resolveSibling(StoredTask.META);
        long until = System.nanoTime() + 10_000_000_000L;
        while (!Files.exists(meta) && System.nanoTime() < until) {
            Thread.sleep(10);
        }
        assertTrue(Files.exists(meta), "kept for a restart");
        try (PieceStore afterACrash = new PieceStore(first.file().getParent().getParent().getParent())) {
            StoredTask t = afterACrash.findComplete(first.taskId()).orElseThrow();
            assertEquals(first.digest(), t.fileDigest());
            assertArrayEquals(content, Files.readAllBytes(t.dataFile()));
        }
    }

    // ---- item 8: origin faults ----

    @Test
    void originErrorsAreRetriedWithOneInfoLineEachAndNoQuery() throws Exception {
        origin.fail503.set(2);
        P2PEngine a = alone("a");
        DownloadResult r = await(a.start(request()));
        assertArrayEquals(content, Files.readAllBytes(r.file()));
        assertEquals(3, origin.gets.get());
        List<String> info = lines(Level.INFO);
        assertEquals(2, info.size(), info.toString());
        assertTrue(info.get(0).contains("origin answered HTTP 503") && info.get(0).contains("retry 1 of 4 in 10 ms"), info.get(0));
        assertTrue(info.get(1).contains("retry 2 of 4 in 20 ms"), info.get(1));
        logs.forEach(l -> assertFalse(l.getMessage().contains("topsecret"), l.getMessage()));
    }

    /** A file of three 4 MiB pieces (the engine's piece size for a file from the origin), at a URL with a signature. */
    private byte[] big;
    private String bigUrl;

    private DownloadRequest bigRequest() {
        big = new byte[(9 << 20) + 1234];
        new Random(13).nextBytes(big);
        bigUrl = origin.serve("/files/big.bin", big) + "?X-Amz-Signature=topsecret";
        return new DownloadRequest(bigUrl, Map.of(), null, null, true);
    }

    private static final long MIB4 = 4L << 20;

    @Test
    void aBodyBrokenOffResumesWithRangeWhenTheOriginHonoursIt() throws Exception {
        DownloadRequest req = bigRequest();
        origin.honorRange = true;
        origin.breakAfter.set(MIB4 + 100);
        P2PEngine a = alone("a");
        DownloadResult r = await(a.start(req));
        assertArrayEquals(big, Files.readAllBytes(r.file()));
        assertEquals(Digests.sha256(big), r.digest());
        assertEquals(List.of("", "bytes=" + MIB4 + "-"), origin.ranges);
        assertEquals(big.length, r.progress().fromOrigin());
        assertEquals(big.length + 100, origin.bytesSent.get(), "only the rest was sent again");
        List<String> info = lines(Level.INFO);
        assertEquals(1, info.size(), info.toString());
        assertTrue(info.get(0).contains("retry 1 of 4 in 10 ms from byte " + MIB4), info.get(0));
        assertFalse(info.get(0).contains("topsecret"), info.get(0));
    }

    @Test
    void aBodyBrokenOffStartsAgainFromZeroWhenTheOriginIgnoresRange() throws Exception {
        DownloadRequest req = bigRequest();
        origin.breakAfter.set(MIB4 + 100);
        P2PEngine a = alone("a");
        DownloadResult r = await(a.start(req));
        assertArrayEquals(big, Files.readAllBytes(r.file()));
        assertEquals(Digests.sha256(big), r.digest());
        assertEquals(List.of("", "bytes=" + MIB4 + "-"), origin.ranges);
        assertEquals(big.length, r.progress().fromOrigin(), "the piece already here was checked, not written again");
        assertEquals(1, lines(Level.INFO).size(), "one INFO line for the one retry: " + lines(Level.INFO));
    }

    @Test
    void anOriginThatChangedWhileIgnoringRangeFailsAndLeavesNothing() throws Exception {
        DownloadRequest req = bigRequest();
        origin.breakAfter.set(MIB4 + 100);
        byte[] changed = big.clone();
        changed[10] ^= 1;
        origin.changedTo = changed;
        P2PEngine a = alone("a");
        DownloadException e = failure(a.start(req));
        assertEquals(DownloadException.Kind.ORIGIN_ERROR, e.kind());
        assertTrue(e.getMessage().contains("origin_changed") && e.getMessage().contains("piece 0"), e.getMessage());
        assertFalse(e.getMessage().contains("topsecret"), e.getMessage());
        assertEquals(0, storedTasks(a));
    }

    @Test
    void permanentOriginErrorsFailAtOnceWithTheStatus() throws Exception {
        P2PEngine a = alone("a");
        for (int status : new int[]{404, 401, 403}) {
            origin.gets.set(0);
            origin.status = status;
            DownloadException e = failure(a.start(request()));
            assertTrue(e.getMessage().contains("origin answered HTTP " + status), e.getMessage());
            assertEquals(1, origin.gets.get(), "no retry of a " + status);
        }
        origin.status = 0;
        origin.gets.set(0);
        DownloadException mismatch = failure(a.start(new DownloadRequest(url, Map.of(), Digests.sha256(new byte[]{1}), null, true)));
        assertEquals(DownloadException.Kind.DIGEST_MISMATCH, mismatch.kind());
        assertEquals(1, origin.gets.get(), "no retry of a digest mismatch");
        assertEquals(0, storedTasks(a));
    }

    @Test
    void anOriginThatKeepsFailingGivesUpAfterFourRetries() throws Exception {
        origin.fail503.set(100);
        P2PEngine a = alone("a");
        DownloadException e = failure(a.start(request()));
        assertEquals(DownloadException.Kind.ORIGIN_ERROR, e.kind());
        assertTrue(e.getMessage().contains("origin answered HTTP 503") && e.getMessage().contains("gave up after 4 retries"),
                e.getMessage());
        assertEquals(5, origin.gets.get());
        assertEquals(4, lines(Level.INFO).size());
    }

    // ---- item 9: disk full ----

    private static PieceStore.WriteGuard fullAfter(long bytes) {
        java.util.concurrent.atomic.AtomicLong left = new java.util.concurrent.atomic.AtomicLong(bytes);
        return n -> {
            if (left.addAndGet(-n) < 0) {
                throw new IOException("No space left on device");
            }
        };
    }

    @Test
    void aFullDiskFailsTheDownloadWithOneClearLineLeavesNothingAndKeepsServingTheRest() throws Exception {
        P2PEngine a = engine("a");
        DownloadResult kept = await(a.start(request()));

        a.store().writeGuard(fullAfter(4L * PIECE));
        String other = origin.serve("/files/other.bin", content); // another task: the fake supernode serves it too
        DownloadException e = failure(a.start(new DownloadRequest(other, Map.of(), null, null, true)));
        assertEquals("no space left in " + tmp.resolve("a") + " (dfly.dfdaemon.data-dir)", e.getMessage());
        assertEquals(List.of(kept.taskId()), a.store().all().stream().map(StoredTask::taskId).toList(), "nothing partial left");
        try (var dirs = Files.list(a.store().root())) {
            assertEquals(List.of(kept.taskId()), dirs.map(p -> p.getFileName().toString()).toList());
        }
        assertTrue(lines(Level.WARNING).isEmpty(), "no fallback to the origin onto the same full disk: " + lines(Level.WARNING));
        assertEquals(0, origin.gets.get());

        // what it has is still served, to its clients and to peers
        a.store().writeGuard(null);
        try (InputStream in = a.start(request()).openStream()) {
            assertArrayEquals(content, in.readAllBytes());
        }
        assertEquals(200, HttpClient.newHttpClient().send(P2PEngineTest.granted(a.advertisedUrl(), kept.taskId(), 1, "b").build(),
                HttpResponse.BodyHandlers.discarding()).statusCode());
    }

    @Test
    void aFullDiskDuringBackToSourceIsTheSameClearLine() throws Exception {
        P2PEngine a = alone("a");
        a.store().writeGuard(fullAfter(2L * PIECE));
        DownloadException e = failure(a.start(request()));
        assertEquals("no space left in " + tmp.resolve("a") + " (dfly.dfdaemon.data-dir)", e.getMessage());
        assertEquals(0, storedTasks(a));
        assertEquals(1, origin.gets.get(), "a full disk is not an origin fault: no retry");
    }

    @Test
    void aRealFullFilesystemIsReportedTheSameWay() throws Exception {
        Path small = tmp.resolve("tmpfs");
        Files.createDirectories(small);
        org.junit.jupiter.api.Assumptions.assumeTrue("root".equals(System.getProperty("user.name"))
                && run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", small.toString()), "needs root to mount a tmpfs");
        try {
            byte[] big = new byte[3 << 20];
            new Random(5).nextBytes(big);
            String bigUrl = origin.serve("/files/big.bin", big);
            String fits = origin.serve("/files/fits.bin", Arrays.copyOf(big, 200_000));
            // a file that fits, fetched from the origin by an engine on that filesystem, which then restarts
            P2PEngine before = engine(EngineConfig.builder(small).peerId("t0")
                    .supernodes(List.of(new HostPort("127.0.0.1", deadPort()))).clusterSecret(FakeSupernode.SECRET));
            DownloadResult kept = await(before.start(new DownloadRequest(fits, Map.of(), null, null, true)));
            before.close();
            try (FakeSupernode sn = new FakeSupernode(big, 256 * 1024)) {
                P2PEngine a = engine(EngineConfig.builder(small).peerId("t").supernodes(List.of(sn.hostPort()))
                        .advertiseIp("127.0.0.1").clusterSecret(FakeSupernode.SECRET));
                DownloadException e = failure(a.start(new DownloadRequest(bigUrl, Map.of(), null, null, true)));
                assertEquals("no space left in " + small + " (dfly.dfdaemon.data-dir)", e.getMessage());
                try (var dirs = Files.list(a.store().root())) {
                    assertEquals(List.of(kept.taskId()), dirs.map(p -> p.getFileName().toString()).toList(), "nothing partial left");
                }
                try (InputStream in = a.start(new DownloadRequest(fits, Map.of(), null, null, true)).openStream()) {
                    assertArrayEquals(Arrays.copyOf(big, 200_000), in.readAllBytes());
                }
                a.close();
            }
        } finally {
            assertTrue(run("umount", small.toString()), "umount " + small);
        }
    }

    private static boolean run(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getInputStream().transferTo(OutputStream.nullOutputStream());
            return p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    // ---- item 10: supernode unreachable ----

    @Test
    void anUnreachableSupernodeIsOneWarnLineAndCountsAsAFallback() throws Exception {
        P2PEngine a = alone("a");
        DownloadResult r = await(a.start(request()));
        assertTrue(r.fellBack());
        assertEquals(1, lines(Level.WARNING).size(), lines(Level.WARNING).toString());
        assertTrue(lines(Level.WARNING).get(0).contains("unreachable"));
        assertEquals(1, a.metrics().fallbacks());
        assertNotNull(r.file());
    }
}
