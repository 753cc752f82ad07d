package io.dfly.engine;

import io.dfly.core.config.HostPort;
import io.dfly.core.download.DownloadException;
import io.dfly.core.download.DownloadHandle;
import io.dfly.core.download.DownloadRequest;
import io.dfly.core.download.DownloadResult;
import io.dfly.core.piece.Digests;
import io.dfly.core.protocol.PieceHeaders;
import io.dfly.core.protocol.PieceReport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class P2PEngineTest {
    private static final int PIECE = 64 * 1024;
    @TempDir
    Path tmp;
    private final byte[] content = new byte[PIECE * 16 + 1234];
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final List<LogRecord> warnings = new CopyOnWriteArrayList<>();
    private final Logger engineLog = Logger.getLogger("io.dfly.engine");
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
                warnings.add(r);
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
        new Random(42).nextBytes(content);
        origin = closing(new TestOrigin());
        url = origin.serve("/files/blob.bin", content);
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

    private P2PEngine engine(String name, List<HostPort> supernodes) {
        return closing(new P2PEngine(EngineConfig.builder(tmp.resolve(name)).peerId(name).supernodes(supernodes)
                .advertiseIp("127.0.0.1").clusterSecret(FakeSupernode.SECRET).build()));
    }

    private P2PEngine engine(String name) {
        return engine(name, List.of(supernode.hostPort()));
    }

    private DownloadRequest request(boolean backToSource) {
        return new DownloadRequest(url, Map.of("Authorization", "Bearer secret"), null, null, backToSource);
    }

    private static byte[] readAll(DownloadHandle h) throws IOException {
        try (InputStream in = h.openStream()) {
            return in.readAllBytes();
        }
    }

    private static DownloadResult await(DownloadHandle h) throws Exception {
        return h.completion().get(60, TimeUnit.SECONDS);
    }

    private static int deadPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void theAssignmentsAnsweredWithTheRegistrationAreFetchedAtOnce() throws Exception {
        supernode.answerFirstPull = true;
        P2PEngine a = engine("a");
        DownloadResult r = await(a.start(request(false)));
        assertArrayEquals(content, Files.readAllBytes(r.file()));
        // the engine asked for as many as it fetches at once, and fetched and reported each (the fake never assigns
        // a piece twice: one left unfetched would have stalled the download)
        assertEquals(List.of(0, 1, 2), supernode.firstPullPieces);
        List<Integer> reported;
        synchronized (supernode) {
            reported = supernode.reports.stream().filter(PieceReport::success).map(PieceReport::pieceNum).toList();
        }
        assertTrue(reported.containsAll(supernode.firstPullPieces), "reported: " + reported);
        assertEquals(content.length, r.progress().fromSupernode());
    }

    @Test
    void downloadsThroughTheSupernodeAndStreamsBytesInOrder() throws Exception {
        P2PEngine a = engine("a");
        DownloadHandle h = a.start(request(true));
        assertArrayEquals(content, readAll(h));
        DownloadResult r = await(h);
        assertArrayEquals(content, Files.readAllBytes(r.file()));
        assertEquals(Digests.sha256(content), r.digest());
        assertFalse(r.fellBack());
        assertEquals(content.length, r.progress().fromSupernode());
        assertEquals(0, origin.gets.get(), "the origin is the supernode's business");
        assertEquals("Bearer secret", supernode.lastRegisterHeaders.get("Authorization"), "origin headers go to the supernode");
        assertFalse(supernode.pieceAuthorizations.isEmpty());
        for (String auth : supernode.pieceAuthorizations) {
            assertTrue(auth.startsWith("Dfly-Host "), "piece requests carry this host's token: " + auth);
            assertFalse(auth.contains("Bearer secret"), "but never the origin's credentials");
        }
        assertTrue(warnings.isEmpty(), warnings.toString());
    }

    @Test
    void streamYieldsLeadingPiecesBeforeTheDownloadEnds() throws Exception {
        supernode.holdPiece = supernode.pieceCount() - 1; // the last piece is stuck at the source
        P2PEngine a = engine("a");
        DownloadHandle h = a.start(request(true));
        try (InputStream in = h.openStream()) {
            byte[] head = in.readNBytes(3 * PIECE);
            assertArrayEquals(java.util.Arrays.copyOf(content, 3 * PIECE), head);
            assertFalse(h.completion().isDone(), "bytes flowed before the download finished");
            supernode.release.countDown();
            byte[] rest = in.readAllBytes();
            assertArrayEquals(java.util.Arrays.copyOfRange(content, 3 * PIECE, content.length), rest);
        }
        assertEquals(content.length, await(h).length());
    }

    @Test
    void streamVouchesForItsPiecesAndTheVerifiedDigestOnlyAtItsEnd() throws Exception {
        supernode.reverseOrder = true;
        P2PEngine a = engine("a");
        DownloadHandle h = a.start(new DownloadRequest(url, Map.of(), Digests.sha256(content), null, true));
        try (InputStream in = h.openStream()) {
            io.dfly.core.download.VerifiedPieceStream v = (io.dfly.core.download.VerifiedPieceStream) in;
            assertEquals(-1, v.pieceSize());
            byte[] head = in.readNBytes(PIECE + 1);
            assertArrayEquals(java.util.Arrays.copyOf(content, PIECE + 1), head);
            assertNull(v.verifiedDigest(), "nothing is vouched for before the end");
            assertEquals(PIECE, v.pieceSize());
            assertEquals(List.of(Digests.sha256(content, 0, PIECE), Digests.sha256(content, PIECE, PIECE)),
                    v.digestsHandedOut(), "the pieces handed out so far, in order, the second in part");
            in.readAllBytes();
            assertEquals(Digests.sha256(content), v.verifiedDigest());
            assertEquals(supernode.pieceCount(), v.digestsHandedOut().size());
        }
    }

    @Test
    void streamIsInOrderWhenPiecesArriveBackwards() throws Exception {
        supernode.reverseOrder = true;
        P2PEngine a = engine("a");
        DownloadHandle h = a.start(request(true));
        assertArrayEquals(content, readAll(h));
        assertArrayEquals(content, Files.readAllBytes(await(h).file()));
    }

    @Test
    void secondPeerFetchesFromTheFirstAndTheFirstCountsUploads() throws Exception {
        P2PEngine a = engine("a");
        await(a.start(request(true)));
        P2PEngine b = engine("b");
        DownloadResult r = await(b.start(request(true)));
        assertArrayEquals(content, Files.readAllBytes(r.file()));
        assertEquals(content.length, r.progress().fromPeers());
        assertEquals(content.length, a.metrics().bytesUploaded());
        assertEquals(17, a.metrics().piecesUploaded());
        assertEquals(1, b.metrics().downloadsTimed(), "one download, timed once");
        assertEquals(17, b.metrics().piecesTimed(), "every piece fetched is timed");
    }

    @Test
    void corruptPiecesFromAPeerAreRejectedAndFetchedElsewhere() throws Exception {
        P2PEngine a = engine("a");
        DownloadResult first = await(a.start(request(true)));
        try (RandomAccessFile f = new RandomAccessFile(first.file().toFile(), "rw")) {
            for (long off = 100; off < content.length; off += PIECE) {
                f.seek(off);
                f.write(~content[(int) off]); // flip a byte in every piece on a's disk
            }
        }
        P2PEngine b = engine("b");
        DownloadHandle h = b.start(request(true));
        byte[] streamed = readAll(h);
        DownloadResult r = await(h);
        assertArrayEquals(content, streamed);
        assertArrayEquals(content, Files.readAllBytes(r.file()));
        assertTrue(b.metrics().piecesFailed() >= 3, "pieces from a were rejected: " + b.metrics().piecesFailed());
        assertEquals(b.metrics().piecesFailed(), b.metrics().piecesFailed(PieceFetchException.Cause.DIGEST),
                "every rejected piece is counted under cause=digest");
        synchronized (supernode) {
            assertTrue(supernode.reports.stream().anyMatch(p -> !p.success() && p.sourcePeerId().equals("a")
                    && p.reason().contains("digest mismatch")));
        }
    }

    @Test
    void unreachableSupernodeFallsBackToTheOriginWithOneWarnLine() throws Exception {
        int dead = deadPort();
        P2PEngine a = engine("a", List.of(new HostPort("127.0.0.1", dead)));
        DownloadHandle h = a.start(request(true));
        assertArrayEquals(content, readAll(h));
        DownloadResult r = await(h);
        assertTrue(r.fellBack());
        assertEquals(content.length, r.progress().fromOrigin());
        assertEquals(1, origin.gets.get());
        assertEquals("Bearer secret", origin.lastHeaders.get("Authorization").get(0));
        assertEquals(1, a.metrics().fallbacks());
        assertEquals(1, warnings.size());
        assertEquals("supernode 127.0.0.1:" + dead + " unreachable — check dfly.dfdaemon.supernodes"
                + " / dfly.supernode.advertise-ip; downloading from origin", warnings.get(0).getMessage());
    }

    @Test
    void secondSupernodeIsUsedWhenTheFirstIsDown() throws Exception {
        P2PEngine a = engine("a", List.of(new HostPort("127.0.0.1", deadPort()), supernode.hostPort()));
        DownloadResult r = await(a.start(request(true)));
        assertFalse(r.fellBack());
        assertEquals(content.length, r.progress().fromSupernode());
    }

    @Test
    void aSupernodeThatDiesMidDownloadIsReplacedByTheNextOne() throws Exception {
        supernode.dropPullsAfter = 2;
        try (FakeSupernode second = new FakeSupernode(content, PIECE)) {
            P2PEngine a = engine("a", List.of(supernode.hostPort(), second.hostPort()));
            DownloadHandle h = a.start(request(true));
            assertArrayEquals(content, readAll(h));
            DownloadResult r = await(h);
            assertFalse(r.fellBack());
            assertEquals(1, second.registrations.get());
            assertEquals(0, origin.gets.get());
            assertEquals(1, warnings.size());
            assertTrue(warnings.get(0).getMessage().startsWith("supernode " + supernode.hostPort() + " stopped answering;"
                    + " continuing with supernode " + second.hostPort()), warnings.get(0).getMessage());
        }
    }

    @Test
    void withoutBackToSourceAnUnreachableSupernodeIsAClearErrorAndNothingIsCached() throws Exception {
        P2PEngine a = engine("a", List.of(new HostPort("127.0.0.1", deadPort())));
        DownloadHandle h = a.start(request(false));
        IOException e = assertThrows(IOException.class, () -> readAll(h));
        assertTrue(e.getMessage().contains("back-to-source is disabled"), e.getMessage());
        ExecutionException ee = assertThrows(ExecutionException.class, () -> await(h));
        DownloadException de = assertInstanceOf(DownloadException.class, ee.getCause());
        assertEquals(DownloadException.Kind.NO_SOURCE, de.kind());
        assertTrue(de.getMessage().contains("unreachable"), de.getMessage());
        assertEquals(0, origin.gets.get());
        try (var files = Files.list(a.store().root())) {
            assertEquals(0, files.count());
        }
    }

    @Test
    void failedTaskFallsBackToTheOrigin() throws Exception {
        supernode.failTask = true;
        P2PEngine a = engine("a");
        DownloadResult r = await(a.start(request(true)));
        assertTrue(r.fellBack());
        assertArrayEquals(content, Files.readAllBytes(r.file()));
        assertEquals(1, warnings.size());
        assertTrue(warnings.get(0).getMessage().contains("FAILED (origin broke)"), warnings.get(0).getMessage());
    }

    @Test
    void wrongFileDigestFailsTheStreamAndLeavesNothingCached() throws Exception {
        P2PEngine a = engine("a");
        String wrong = Digests.sha256(new byte[]{1});
        DownloadHandle h = a.start(new DownloadRequest(url, Map.of(), wrong, null, true));
        IOException e = assertThrows(IOException.class, () -> readAll(h));
        assertTrue(e.getMessage().contains("digest mismatch"), e.getMessage());
        ExecutionException ee = assertThrows(ExecutionException.class, () -> await(h));
        assertEquals(DownloadException.Kind.DIGEST_MISMATCH, ((DownloadException) ee.getCause()).kind());
        try (var files = Files.list(a.store().root())) {
            assertEquals(0, files.count());
        }
    }

    @Test
    void originNotFoundOnFallbackIsReported() throws Exception {
        P2PEngine a = engine("a", List.of(new HostPort("127.0.0.1", deadPort())));
        DownloadHandle h = a.start(new DownloadRequest(origin.url("/missing"), Map.of(), null, null, true));
        ExecutionException ee = assertThrows(ExecutionException.class, () -> await(h));
        assertEquals(DownloadException.Kind.ORIGIN_NOT_FOUND, ((DownloadException) ee.getCause()).kind());
    }

    @Test
    void badRequestsAreRefusedAtStart() {
        P2PEngine a = engine("a");
        DownloadException e = assertThrows(DownloadException.class,
                () -> a.start(new DownloadRequest("ftp://x/y", Map.of(), null, null, true)));
        assertEquals(DownloadException.Kind.BAD_REQUEST, e.kind());
        e = assertThrows(DownloadException.class, () -> a.start(new DownloadRequest(url, Map.of(), "md5:abc", null, true)));
        assertEquals(DownloadException.Kind.BAD_REQUEST, e.kind());
    }

    @Test
    void concurrentStartsOfOneTaskJoinOneDownload() throws Exception {
        P2PEngine a = engine("a");
        DownloadHandle h1 = a.start(request(true));
        DownloadHandle h2 = a.start(request(true));
        assertArrayEquals(content, readAll(h2));
        assertArrayEquals(content, readAll(h1));
        assertEquals(await(h1).file(), await(h2).file());
        assertEquals(1, supernode.registrations.get());
    }

    @Test
    void completedTasksAreServedFromDiskAfterARestart() throws Exception {
        P2PEngine a = engine("a");
        await(a.start(request(true)));
        a.close();
        P2PEngine again = engine("a");
        DownloadHandle h = again.start(request(true));
        assertTrue(h.completion().isDone());
        assertArrayEquals(content, readAll(h));
        assertEquals(1, supernode.registrations.get());
    }

    @Test
    void aStreamOfAnEvictedTaskFailsInsteadOfHanging() throws Exception {
        P2PEngine a = engine("a");
        DownloadHandle h = a.start(request(true));
        DownloadResult r = await(h);
        try (InputStream in = h.openStream()) {
            in.readNBytes(10);
            a.store().delete(r.taskId());
            assertThrows(IOException.class, in::readAllBytes);
        }
    }

    @Test
    void gcPoliciesEvictIdleCompletedTasks() throws Exception {
        P2PEngine a = engine("a");
        DownloadResult r = await(a.start(request(true)));
        io.dfly.spi.GcPolicy evictAll = new io.dfly.spi.GcPolicy() {
            @Override
            public String name() {
                return "all";
            }

            @Override
            public List<io.dfly.spi.CachedTask> selectEvictions(List<io.dfly.spi.CachedTask> cached, io.dfly.spi.DiskUsage disk,
                                                               java.time.Instant now) {
                return cached;
            }
        };
        assertEquals(List.of(r.taskId()), a.collectGarbage(List.of(evictAll)));
        assertTrue(a.store().find(r.taskId()).isEmpty());
        assertFalse(Files.exists(r.file()));
    }

    @Test
    void uploadServerServesHeldPiecesOnly() throws Exception {
        P2PEngine a = engine("a");
        DownloadResult r = await(a.start(request(true)));
        HttpClient http = HttpClient.newHttpClient();
        String base = a.advertisedUrl();
        HttpResponse<byte[]> ok = http.send(granted(base, r.taskId(), 1, "b").build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, ok.statusCode());
        assertArrayEquals(java.util.Arrays.copyOfRange(content, PIECE, 2 * PIECE), ok.body());
        assertEquals(Digests.sha256(ok.body()), ok.headers().firstValue(PieceHeaders.PIECE_DIGEST).orElseThrow());
        // not held: 404, but only to an authorized caller
        assertEquals(404, http.send(granted(base, r.taskId(), 99, "b").build(), HttpResponse.BodyHandlers.discarding()).statusCode());
        String other = "a".repeat(64);
        assertEquals(404, http.send(granted(base, other, 0, "b").build(), HttpResponse.BodyHandlers.discarding()).statusCode());
        assertEquals(403, http.send(HttpRequest.newBuilder(URI.create(base + PieceHeaders.piecePath(other, 0))).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode());
        assertEquals(400, http.send(HttpRequest.newBuilder(URI.create(base + "/peer/tasks/..%2F..%2Fetc/pieces/0")).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode());
        assertEquals(400, http.send(HttpRequest.newBuilder(URI.create(base + PieceHeaders.piecePath(r.taskId(), 0) + "x")).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode());
    }

    /** A piece request as peer {@code peer} would send it after the supernode assigned it the piece. */
    static HttpRequest.Builder granted(String base, String taskId, int piece, String peer) {
        String path = PieceHeaders.piecePath(taskId, piece);
        return HttpRequest.newBuilder(URI.create(base + path))
                .header("Authorization", FakeSupernode.SECRET.hostTokens().authorization(peer, "GET", path))
                .header("X-Dfly-Grant", FakeSupernode.SECRET.pieceGrants().mint(taskId, piece, peer));
    }

    @Test
    void downloadRateLimitIsApplied() throws Exception {
        // not timed: checks the limit is wired by reading the bucket the fetcher uses
        P2PEngine limited = closing(new P2PEngine(EngineConfig.builder(tmp.resolve("l")).peerId("l")
                .supernodes(List.of(supernode.hostPort())).rateLimit(20L << 20).uploadRateLimit(5L << 20)
                .clusterSecret(FakeSupernode.SECRET).build()));
        assertEquals(20L << 20, limited.downloadBucket.bytesPerSecond());
        assertEquals(5L << 20, limited.uploadBucket.bytesPerSecond());
        assertArrayEquals(content, Files.readAllBytes(await(limited.start(request(true))).file()));
    }

    // ---- reports ride on the next pull ----

    @Test
    void finishedPiecesAreReportedWithTheNextPullNotEachInARequestOfItsOwn() throws Exception {
        P2PEngine a = engine("a");
        DownloadResult r = await(a.start(request(true)));
        assertArrayEquals(content, Files.readAllBytes(r.file()));
        int pieces = supernode.pieceCount();
        synchronized (supernode) {
            assertEquals(pieces, supernode.reports.size(), "every piece reported once: " + supernode.reports);
        }
        assertEquals(0, supernode.ignoredReports.get(), "each for an assignment");
        int alone = supernode.reportRequests.get();
        int pulls = supernode.pulls.get();
        // before: a report request per piece besides the pulls (2 or more requests per piece); now most ride on pulls
        assertEquals(pieces, supernode.reportsInPulls.get() + alone);
        assertTrue(alone <= pieces / 2, alone + " of " + pieces + " reports sent on their own (" + pulls + " pulls)");
        assertTrue(pulls + alone < 2 * pieces, (pulls + alone) + " requests for " + pieces + " pieces");
    }

    @Test
    void whileTheSupernodeHasNothingMoreTheLoopWaitsForAFetchToEndAndItsReportRidesTheNextPull() throws Exception {
        supernode.holdWaitsMillis = 400; // a WAIT is held, as the real supernode holds it
        supernode.reverseOrder = true;
        P2PEngine a = engine("a");
        DownloadResult r = await(a.start(request(true)));
        assertArrayEquals(content, Files.readAllBytes(r.file()));
        assertEquals(0, supernode.ignoredReports.get());
        // the last pieces are in flight with nothing more to assign: without waiting for them, a pull would be held
        // meanwhile and each of their reports would go on its own
        assertTrue(supernode.reportRequests.get() <= 2, supernode.reportRequests.get() + " reports on their own, "
                + supernode.reportsInPulls.get() + " in " + supernode.pulls.get() + " pulls");
    }

    @Test
    void aOnePieceFileAssignedWithTheRegistrationCostsOnePullAndNoneIsHeld() throws Exception {
        byte[] small = new byte[1024];
        new Random(7).nextBytes(small);
        FakeSupernode sn = closing(new FakeSupernode(small, PIECE));
        sn.answerFirstPull = true;
        sn.holdWaitsMillis = 400; // a WAIT is held, as the real supernode holds it
        P2PEngine a = engine("a", List.of(sn.hostPort()));
        long t0 = System.nanoTime();
        DownloadResult r = await(a.start(new DownloadRequest(origin.serve("/files/small.bin", small), Map.of(), null, null,
                false)));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertArrayEquals(small, Files.readAllBytes(r.file()));
        // the loop waits for the piece the registration assigned instead of pulling at once: that pull would be held
        // while the piece arrives, and its report would wait for it or go on its own
        assertEquals(0, sn.reportRequests.get(), "the report rides on the pull");
        assertEquals(1, sn.pulls.get(), "one pull after the registration, carrying the report and answered DONE");
        assertTrue(ms < 400, ms + " ms: no pull was held meanwhile");
    }

    @Test
    void aSupernodeOlderThanReportsInPullsStillHearsEveryReport() throws Exception {
        supernode.ignoresReportsInPulls = true;
        P2PEngine a = engine("a");
        DownloadResult r = await(a.start(request(true)));
        assertArrayEquals(content, Files.readAllBytes(r.file()));
        assertFalse(r.fellBack());
        assertEquals(supernode.pieceCount(), supernode.reportRequests.get(), "each on its own, as before");
        assertEquals(0, supernode.ignoredReports.get());
        assertTrue(warnings.isEmpty(), warnings.toString());
    }

    @Test
    void aPeerSourceIsReportedWithTheNextPullToo() throws Exception {
        P2PEngine a = engine("a");
        await(a.start(request(true)));
        int before = supernode.reportRequests.get();
        P2PEngine b = engine("b");
        DownloadResult r = await(b.start(request(true)));
        assertEquals(content.length, r.progress().fromPeers());
        synchronized (supernode) {
            assertTrue(supernode.reports.stream().filter(p -> p.peerId().equals("b")).allMatch(p -> p.success()
                    && p.sourcePeerId().equals("a")), supernode.reports.toString());
        }
        assertTrue(supernode.reportRequests.get() - before <= supernode.pieceCount() / 2);
        assertEquals(0, supernode.ignoredReports.get());
    }
}
