package io.dfly.engine;

import com.sun.net.httpserver.HttpServer;
import io.dfly.core.piece.Digests;
import io.dfly.core.protocol.PieceAssignment;
import io.dfly.core.security.ClusterSecret;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Piece fetches: checks, kept-alive connections, and the total deadline a watchdog enforces. */
class PieceFetcherTest {
    private static final ClusterSecret SECRET = ClusterSecret.of("piece-fetcher-test-secret-0123456789");
    private static final String ID = "b".repeat(64);
    private static final int PIECE = 64 * 1024;
    @TempDir
    Path tmp;
    private final byte[] content = new byte[2 * PIECE];
    private HttpServer server;
    private PieceStore store;
    private StoredTask task;
    private PieceFetcher fetcher;
    private final Set<Integer> clientPorts = ConcurrentHashMap.newKeySet();

    @BeforeEach
    void setUp() throws IOException {
        new Random(7).nextBytes(content);
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "piece-source");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/ok/", ex -> {
            try (ex) {
                clientPorts.add(ex.getRemoteAddress().getPort());
                int n = Integer.parseInt(ex.getRequestURI().getPath().substring(4));
                ex.sendResponseHeaders(200, PIECE);
                ex.getResponseBody().write(content, n * PIECE, PIECE);
            }
        });
        server.createContext("/chunked/", ex -> {
            try (ex) {
                ex.sendResponseHeaders(200, 0);
                for (int off = 0; off < PIECE; off += 10_000) {
                    ex.getResponseBody().write(content, off, Math.min(10_000, PIECE - off));
                    ex.getResponseBody().flush();
                }
            }
        });
        server.createContext("/trickle/", ex -> {
            try (ex) {
                ex.sendResponseHeaders(200, PIECE);
                OutputStream out = ex.getResponseBody();
                for (int off = 0; off < PIECE; off += 1024) {
                    out.write(content, off, 1024);
                    out.flush();
                    Thread.sleep(100); // ~10 KB/s
                }
            } catch (InterruptedException | IOException e) {
                // the fetcher hung up
            }
        });
        server.createContext("/stall/", ex -> {
            try (ex) {
                ex.sendResponseHeaders(200, PIECE);
                ex.getResponseBody().write(content, 0, 1000);
                ex.getResponseBody().flush();
                Thread.sleep(30_000);
            } catch (InterruptedException | IOException e) {
                // the fetcher hung up
            }
        });
        server.createContext("/long/", ex -> {
            try (ex) {
                ex.sendResponseHeaders(200, PIECE + 1);
                ex.getResponseBody().write(content, 0, PIECE);
                ex.getResponseBody().write(1);
            }
        });
        server.createContext("/refuse/", ex -> {
            try (ex) {
                byte[] b = "{\"error\":\"forbidden\",\"message\":\"no grant for piece 0\"}".getBytes(StandardCharsets.UTF_8);
                ex.sendResponseHeaders(403, b.length);
                ex.getResponseBody().write(b);
            }
        });
        server.start();
        store = new PieceStore(tmp);
        task = store.create(ID, content.length, PIECE);
        fetcher = fetcher(TokenBucket.unlimited());
    }

    private PieceFetcher fetcher(TokenBucket bucket) {
        PieceFetcher f = new PieceFetcher(bucket, SECRET.hostTokens(), "me", 1L << 20);
        f.floorNanos = TimeUnit.MILLISECONDS.toNanos(300);
        return f;
    }

    @AfterEach
    void tearDown() {
        fetcher.close();
        server.stop(0);
        store.close();
    }

    private PieceAssignment assignment(String path, int n) {
        return new PieceAssignment(n, (long) n * PIECE, PIECE, Digests.sha256(content, n * PIECE, PIECE), "peer-x",
                "http://127.0.0.1:" + server.getAddress().getPort() + path, "grant");
    }

    @Test
    void aGoodPieceIsStoredAndTheConnectionIsKeptForTheNext() throws Exception {
        assertEquals(PIECE, fetcher.fetchInto(assignment("/ok/0", 0), task, null));
        assertEquals(1, fetcher.idleConnections());
        assertEquals(PIECE, fetcher.fetchInto(assignment("/ok/1", 1), task, null));
        assertArrayEquals(Arrays.copyOfRange(content, 0, PIECE), task.readPiece(0));
        assertArrayEquals(Arrays.copyOfRange(content, PIECE, 2 * PIECE), task.readPiece(1));
        assertEquals(1, clientPorts.size(), "both pieces came over one connection");
    }

    @Test
    void aChunkedAnswerIsReadToItsEnd() throws Exception {
        assertEquals(PIECE, fetcher.fetchInto(assignment("/chunked/0", 0), task, null));
        assertArrayEquals(Arrays.copyOfRange(content, 0, PIECE), task.readPiece(0));
        assertEquals(1, fetcher.idleConnections(), "a chunked answer read to its end leaves the connection reusable");
    }

    @Test
    void aTrickleSourceFailsAtItsDeadlineNamingTheRateAndTheSetting() {
        long t0 = System.nanoTime();
        PieceFetchException e = assertThrows(PieceFetchException.class,
                () -> fetcher.fetchInto(assignment("/trickle/0", 0), task, null));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        // deadline: 300 ms floor (10 s in production) + 64 KiB at 1 MiB/s = 362 ms, whatever the source does
        assertTrue(ms >= 300 && ms < 1500, "failed after " + ms + " ms");
        assertTrue(e.getMessage().startsWith("source peer-x missed its deadline: "), e.getMessage());
        assertTrue(e.getMessage().contains("slower than dfly.dfdaemon.piece-min-rate (1.0 MiB/s)"), e.getMessage());
        assertFalse(task.has(0));
        assertEquals(0, fetcher.idleConnections(), "the connection of a missed deadline is closed, never reused");
    }

    @Test
    void aSourceSilentInTheMiddleOfThePieceFailsAtItsDeadline() {
        long t0 = System.nanoTime();
        PieceFetchException e = assertThrows(PieceFetchException.class,
                () -> fetcher.fetchInto(assignment("/stall/0", 0), task, null));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms < 1500, "failed after " + ms + " ms");
        assertTrue(e.getMessage().contains("missed its deadline: 1000 of 65536 bytes"), e.getMessage());
    }

    @Test
    void aSourceThatNeverAnswersFailsAtItsDeadline() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
            PieceAssignment a = new PieceAssignment(0, 0, PIECE, Digests.sha256(content, 0, PIECE), "peer-x",
                    "http://127.0.0.1:" + silent.getLocalPort() + "/p/0", "grant");
            long t0 = System.nanoTime();
            PieceFetchException e = assertThrows(PieceFetchException.class, () -> fetcher.fetchInto(a, task, null));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms < 1500, "failed after " + ms + " ms");
            assertTrue(e.getMessage().contains("missed its deadline: 0 of 65536 bytes"), e.getMessage());
        }
    }

    @Test
    void timeSpentWaitingForThisHostsOwnLimitIsNotTheSourcesFault() throws Exception {
        // 128 KiB/s here: the piece takes ~0.4 s, past the 362 ms a source has; the wait is ours, not the source's
        try (PieceFetcher slow = fetcher(new TokenBucket(128 * 1024))) {
            StoredTask big = store.create("c".repeat(64), 4L * PIECE, 4 * PIECE);
            byte[] four = new byte[4 * PIECE];
            for (int i = 0; i < 4; i++) {
                System.arraycopy(content, (i % 2) * PIECE, four, i * PIECE, PIECE);
            }
            HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4);
            s.createContext("/", ex -> {
                try (ex) {
                    ex.sendResponseHeaders(200, four.length);
                    ex.getResponseBody().write(four);
                }
            });
            s.start();
            try {
                PieceAssignment a = new PieceAssignment(0, 0, four.length, Digests.sha256(four), "peer-x",
                        "http://127.0.0.1:" + s.getAddress().getPort() + "/p", "grant");
                long t0 = System.nanoTime();
                assertEquals(four.length, slow.fetchInto(a, big, null));
                assertTrue(System.nanoTime() - t0 > slow.deadlineNanos(four.length), "the limit did slow it down");
                assertArrayEquals(four, big.readPiece(0));
            } finally {
                s.stop(0);
            }
        }
    }

    @Test
    void moreBytesThanAssignedAreRefused() {
        PieceFetchException e = assertThrows(PieceFetchException.class,
                () -> fetcher.fetchInto(assignment("/long/0", 0), task, null));
        assertTrue(e.getMessage().contains("announced 65537 bytes for a piece of 65536"), e.getMessage());
        assertFalse(task.has(0));
    }

    @Test
    void aRefusalSaysWhy() {
        PieceFetchException e = assertThrows(PieceFetchException.class,
                () -> fetcher.fetchInto(assignment("/refuse/0", 0), task, null));
        assertEquals("source peer-x answered HTTP 403 (no grant for piece 0)", e.getMessage());
    }

    @Test
    void aKeptAliveConnectionTheSourceClosedIsReplacedOnce() throws Exception {
        AtomicInteger connections = new AtomicInteger();
        try (ServerSocket ss = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> {
                while (!ss.isClosed()) {
                    try (Socket s = ss.accept()) {
                        connections.incrementAndGet();
                        BufferedReader r = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
                        String line = r.readLine();
                        int n = Integer.parseInt(line.split(" ")[1].substring(3));
                        while (!r.readLine().isEmpty()) {
                            // headers
                        }
                        OutputStream out = s.getOutputStream();
                        out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + PIECE + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                        out.write(content, n * PIECE, PIECE);
                        out.flush();
                        // then closes it, without saying so: the client kept it as idle
                    } catch (IOException e) {
                        // the test ended
                    }
                }
            });
            t.setDaemon(true);
            t.start();
            String base = "http://127.0.0.1:" + ss.getLocalPort();
            for (int n = 0; n < 2; n++) {
                PieceAssignment a = new PieceAssignment(n, (long) n * PIECE, PIECE, Digests.sha256(content, n * PIECE, PIECE),
                        "peer-x", base + "/p/" + n, "grant");
                Thread.sleep(100); // the server has closed the first connection by now
                assertEquals(PIECE, fetcher.fetchInto(a, task, null));
            }
            assertEquals(2, connections.get());
            assertArrayEquals(Arrays.copyOfRange(content, PIECE, 2 * PIECE), task.readPiece(1));
        }
    }

    @Test
    void aFetchAbandonedByItsDownloadCannotWriteOverTheNextWriter() throws Exception {
        PieceFetcher.Fetch stale = fetcher.start(PIECE);
        Thread t = new Thread(() -> {
            try {
                fetcher.fetchInto(assignment("/stall/0", 0), task, null, stale);
            } catch (Exception ignored) {
                // abandoned
            }
        });
        t.start();
        Thread.sleep(100);
        StoredTask.PieceWriter next = task.claim(0); // what a new fetch of the piece does first
        stale.abandon();
        t.join(2000);
        assertFalse(t.isAlive(), "an abandoned fetch ends at once");
        task.writeUnverified(next, 0, java.nio.ByteBuffer.wrap(content, 0, PIECE));
        task.commitPiece(next, PIECE, Digests.sha256(content, 0, PIECE));
        assertArrayEquals(Arrays.copyOfRange(content, 0, PIECE), task.readPiece(0));
    }
}
