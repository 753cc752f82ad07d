package io.dfly.engine;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.dfly.core.piece.Digests;
import io.dfly.core.protocol.PieceAssignment;
import io.dfly.core.security.ClusterSecret;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The pace a piece fetch must keep on the way to its deadline: a trickling source is cut after the grace,
 * not at the deadline; a source slow at first then fast, a steady source fast enough for the deadline, and a
 * fetch slowed by this host's own limit are never cut. The first tests use the production settings
 * (1 MiB/s floor rate, 10 s floor, 2 s grace, 4 MiB pieces); the others scale them down to stay short.
 */
class PieceFetcherPaceTest {
    private static final ClusterSecret SECRET = ClusterSecret.of("piece-fetcher-pace-test-secret-0123456789");
    private static final int MIB = 1024 * 1024;
    private static final long MIN_RATE = MIB;
    @TempDir
    Path tmp;
    private final byte[] piece = new byte[4 * MIB];
    private HttpServer server;
    private PieceStore store;
    private int tasks;

    /** How a test source sends a piece's body. */
    private interface Sender {
        void send(OutputStream out, byte[] body) throws IOException, InterruptedException;
    }

    @BeforeEach
    void setUp() throws IOException {
        new Random(4).nextBytes(piece);
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "pace-source");
            t.setDaemon(true);
            return t;
        }));
        server.start();
        store = new PieceStore(tmp);
    }

    @AfterEach
    void tearDown() {
        server.stop(0);
        store.close();
    }

    /** A source at {@code path} that sends the first {@code length} bytes of the piece with {@code how}. */
    private PieceAssignment source(String path, int length, Sender how) {
        byte[] body = java.util.Arrays.copyOf(piece, length);
        server.createContext(path, ex -> serve(ex, body, how));
        return new PieceAssignment(0, 0, length, Digests.sha256(body), "peer-x",
                "http://127.0.0.1:" + server.getAddress().getPort() + path, "grant");
    }

    private static void serve(HttpExchange ex, byte[] body, Sender how) {
        try (ex) {
            ex.sendResponseHeaders(200, body.length);
            how.send(ex.getResponseBody(), body);
        } catch (IOException | InterruptedException e) {
            // the fetcher hung up
        }
    }

    /** 1 KiB, then 1 KiB every second: the hostile peer of the fault table's case 4. */
    private static void trickle(OutputStream out, byte[] body) throws IOException, InterruptedException {
        for (int off = 0; off < body.length; off += 1024) {
            out.write(body, off, Math.min(1024, body.length - off));
            out.flush();
            Thread.sleep(1000);
        }
    }

    /** A steady {@code bytesPerSecond}: every 10 ms, what is due by then (catching up after a late wake-up). */
    private static Sender steady(long bytesPerSecond) {
        return (out, body) -> {
            long t0 = System.nanoTime();
            int off = 0;
            while (off < body.length) {
                long due = Math.min(body.length, (System.nanoTime() - t0) * bytesPerSecond / 1_000_000_000L);
                if (due > off) {
                    out.write(body, off, (int) due - off);
                    out.flush();
                    off = (int) due;
                }
                Thread.sleep(10);
            }
        };
    }

    private StoredTask task(int length) throws IOException {
        String id = Integer.toHexString(++tasks).repeat(64).substring(0, 64);
        return store.create(id, length, length);
    }

    private static PieceFetcher fetcher(TokenBucket bucket, long floorMillis, long graceMillis) {
        PieceFetcher f = new PieceFetcher(bucket, SECRET.hostTokens(), "me", MIN_RATE);
        f.floorNanos = TimeUnit.MILLISECONDS.toNanos(floorMillis);
        f.paceGraceNanos = TimeUnit.MILLISECONDS.toNanos(graceMillis);
        return f;
    }

    private static long millisSince(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }

    @Test
    void aTrickleSourceIsCutSoonAfterTheGraceNotAtItsDeadline() throws Exception {
        PieceAssignment a = source("/trickle", piece.length, PieceFetcherPaceTest::trickle);
        StoredTask into = task(piece.length);
        try (PieceFetcher f = new PieceFetcher(TokenBucket.unlimited(), SECRET.hostTokens(), "me", MIN_RATE)) {
            assertEquals(14_000, TimeUnit.NANOSECONDS.toMillis(f.deadlineNanos(piece.length)), "the deadline alone: 14 s");
            long t0 = System.nanoTime();
            PieceFetchException e = assertThrows(PieceFetchException.class, () -> f.fetchInto(a, into, null));
            long ms = millisSince(t0);
            // 3 KiB in the first 2 s; the pace then wants L × (t − 2 s) / 14 s, i.e. 3 KiB by 2.01 s
            assertTrue(ms >= 2_000 && ms < 3_500, "cut after " + ms + " ms");
            assertTrue(e.getMessage().startsWith("source peer-x is too slow: "), e.getMessage());
            assertTrue(e.getMessage().contains("of 4194304 bytes in 2."), e.getMessage());
            assertTrue(e.getMessage().contains("behind the pace of its 14.0 s deadline (dfly.dfdaemon.piece-min-rate 1.0 MiB/s,"
                    + " 2.0 s grace)"), e.getMessage());
            assertFalse(into.has(0));
            assertEquals(0, f.idleConnections(), "the connection of a source cut off is closed, never reused");
        }
    }

    @Test
    void aSourceSlowAtFirstThenFastIsNotCut() throws Exception {
        // the answer's head and 1 KiB, then nothing for 1.5 s (busy, a GC pause, ...), then the rest at full speed
        PieceAssignment a = source("/late", piece.length, (out, body) -> {
            out.write(body, 0, 1024);
            out.flush();
            Thread.sleep(1_500);
            out.write(body, 1024, body.length - 1024);
        });
        StoredTask into = task(piece.length);
        try (PieceFetcher f = new PieceFetcher(TokenBucket.unlimited(), SECRET.hostTokens(), "me", MIN_RATE)) {
            long t0 = System.nanoTime();
            assertEquals(piece.length, f.fetchInto(a, into, null));
            assertTrue(millisSince(t0) >= 1_500);
            assertArrayEquals(piece, into.readPiece(0));
        }
    }

    @Test
    void aSourceThatAnswersLateThenFastIsNotCut() throws Exception {
        server.createContext("/slow-head", ex -> {
            try {
                Thread.sleep(1_500); // no head at all for 1.5 s
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            serve(ex, piece, (out, body) -> out.write(body));
        });
        PieceAssignment a = new PieceAssignment(0, 0, piece.length, Digests.sha256(piece), "peer-x",
                "http://127.0.0.1:" + server.getAddress().getPort() + "/slow-head", "grant");
        StoredTask into = task(piece.length);
        try (PieceFetcher f = new PieceFetcher(TokenBucket.unlimited(), SECRET.hostTokens(), "me", MIN_RATE)) {
            assertEquals(piece.length, f.fetchInto(a, into, null));
            assertArrayEquals(piece, into.readPiece(0));
        }
    }

    @Test
    void aSteadySourceFastEnoughForTheDeadlineIsNotCutASlowerOneIsCutBeforeIt() throws Exception {
        // scaled down: 1 MiB piece, 1 s floor: deadline 2 s, pace 512 KiB/s, grace 0.5 s
        int length = MIB;
        try (PieceFetcher f = fetcher(TokenBucket.unlimited(), 1_000, 500)) {
            assertEquals(2_000, TimeUnit.NANOSECONDS.toMillis(f.deadlineNanos(length)));

            PieceAssignment busy = source("/steady-768k", length, steady(768 * 1024)); // 1.33 s: meets the deadline
            StoredTask into = task(length);
            long t0 = System.nanoTime();
            assertEquals(length, f.fetchInto(busy, into, null));
            assertTrue(millisSince(t0) >= 1_200, "the source was steady, not fast: " + millisSince(t0) + " ms");
            assertArrayEquals(java.util.Arrays.copyOf(piece, length), into.readPiece(0));

            // 256 KiB/s would take 4 s: behind the pace once 256 t < 512 (t − 0.5), i.e. after 1 s, not at 2 s
            PieceAssignment slow = source("/steady-256k", length, steady(256 * 1024));
            StoredTask other = task(length);
            t0 = System.nanoTime();
            PieceFetchException e = assertThrows(PieceFetchException.class, () -> f.fetchInto(slow, other, null));
            long ms = millisSince(t0);
            assertTrue(ms >= 900 && ms < 1_900, "cut after " + ms + " ms");
            assertTrue(e.getMessage().startsWith("source peer-x is too slow: "), e.getMessage());
        }
    }

    @Test
    void waitingForThisHostsOwnLimitDoesNotCountAgainstThePace() throws Exception {
        // scaled down: 512 KiB piece, 300 ms floor, 200 ms grace: deadline 0.8 s, pace 640 KiB/s; this host's
        // limit is 128 KiB/s, so the piece takes ~3.5 s here however fast the source is: the wait is ours
        int length = 512 * 1024;
        PieceAssignment a = source("/fast", length, (out, body) -> out.write(body));
        StoredTask into = task(length);
        try (PieceFetcher f = fetcher(new TokenBucket(128 * 1024), 300, 200)) {
            long t0 = System.nanoTime();
            assertEquals(length, f.fetchInto(a, into, null));
            long ms = millisSince(t0);
            assertTrue(ms > 3_000, "the limit did slow it down: " + ms + " ms");
            assertArrayEquals(java.util.Arrays.copyOf(piece, length), into.readPiece(0));
        }
    }

    @Test
    void aTrickleIsStillCutWhenThisHostsOwnLimitIsTight() throws Exception {
        PieceAssignment a = source("/trickle-limited", piece.length, PieceFetcherPaceTest::trickle);
        StoredTask into = task(piece.length);
        try (PieceFetcher f = new PieceFetcher(new TokenBucket(128 * 1024), SECRET.hostTokens(), "me", MIN_RATE)) {
            long t0 = System.nanoTime();
            PieceFetchException e = assertThrows(PieceFetchException.class, () -> f.fetchInto(a, into, null));
            long ms = millisSince(t0);
            assertTrue(ms >= 2_000 && ms < 3_500, "cut after " + ms + " ms");
            assertTrue(e.getMessage().startsWith("source peer-x is too slow: "), e.getMessage());
        }
    }
}
