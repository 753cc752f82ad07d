package io.dfly.supernode.cdn;

import io.dfly.core.piece.Digests;
import io.dfly.core.protocol.RegisterRequest;
import io.dfly.core.protocol.RegisterResponse;
import io.dfly.core.protocol.TaskStatus;
import io.dfly.scheduler.SchedulerLimits;
import io.dfly.supernode.TestSecrets;
import io.dfly.supernode.metrics.SupernodeMetrics;
import io.dfly.supernode.task.LocalOriginHeaders;
import io.dfly.supernode.task.LocalTaskStore;
import io.dfly.supernode.task.SeedIdentity;
import io.dfly.supernode.task.TaskRecord;
import io.dfly.supernode.task.TaskService;
import io.dfly.supernode.task.TaskSignals;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A member dies mid back-to-source in a cluster of two (issue 11, case 5), with both members in one JVM on one
 * task store: member A fetches and copies each piece to member B ({@link PieceMirror}); A stops after three
 * pieces; B takes over. B resumes after the pieces it holds (the origin sends only the rest), checks the
 * whole file and keeps its copy.
 */
class MemberTakeOverTest {
    private static final int PIECE = 4 * 1024 * 1024;
    private static final byte[] CONTENT = new byte[6 * PIECE + 17];
    private static final byte[] CHANGED = new byte[CONTENT.length];
    /** Pieces the origin sends A before it holds A's body (then resets it: A is "dead"). */
    private static final int SENT_TO_A = 3;

    private ServerSocket origin;
    private ExecutorService threads;
    private final LocalTaskStore store = new LocalTaskStore();
    private final LocalOriginHeaders headers = new LocalOriginHeaders();
    private final List<String> ranges = new CopyOnWriteArrayList<>();
    private final AtomicInteger requests = new AtomicInteger();
    private final CountDownLatch aDies = new CountDownLatch(1);
    private volatile boolean tailChanged;
    private Member a;
    private Member b;
    @TempDir
    Path dir;

    /** One member: its CDN, back-to-source and task service on the shared store. */
    private final class Member {
        final SeedIdentity self;
        final CdnStore cdn;
        final TaskSignals signals = new TaskSignals();
        final BackToSource b2s;
        final TaskService service;
        final MirrorReceiver receiver;

        Member(String id, int port) {
            self = SeedIdentity.of(id, "127.0.0.1", port);
            cdn = new CdnStore(dir.resolve(id), System::currentTimeMillis);
            SupernodeMetrics metrics = new SupernodeMetrics();
            b2s = new BackToSource(store, headers, cdn, new OriginClient(Duration.ofSeconds(5), TestSecrets.LOOPBACK_ALLOWED),
                    self, metrics, threads, System::currentTimeMillis, 0, signals, TestSecrets.SECRET);
            service = new TaskService(store, headers, b2s, self, TestSecrets.SECRET, SchedulerLimits.defaults(), 4, List.of(),
                    Duration.ofSeconds(30), TaskService.DEFAULT_FAILED_TASK_TTL, metrics, System::currentTimeMillis, signals, null);
            receiver = new MirrorReceiver(store, cdn, self, System::currentTimeMillis, signals);
        }

        /** Copies this member's pieces to {@code to}, in process. */
        void mirrorTo(Member to) {
            b2s.mirrorPiecesTo(() -> new PieceMirror.Target() {
                @Override
                public String describe() {
                    return to.self.memberId();
                }

                @Override
                public boolean copy(String taskId, int pieceSize, int piece, byte[] data, String digest) {
                    return to.receiver.accept(taskId, pieceSize, piece, data, digest);
                }
            });
        }
    }

    @BeforeEach
    void setUp() throws IOException {
        new Random(11).nextBytes(CONTENT);
        new Random(12).nextBytes(CHANGED);
        threads = Executors.newCachedThreadPool();
        origin = new ServerSocket(0, 64, InetAddress.getLoopbackAddress());
        threads.execute(() -> {
            while (!origin.isClosed()) {
                try {
                    Socket s = origin.accept();
                    threads.execute(() -> serve(s));
                } catch (IOException | java.util.concurrent.RejectedExecutionException e) {
                    return;
                }
            }
        });
        a = new Member("member-a", 8002);
        b = new Member("member-b", 8003);
        a.mirrorTo(b);
        b.mirrorTo(a);
    }

    @AfterEach
    void tearDown() throws IOException {
        aDies.countDown();
        origin.close();
        threads.shutdownNow();
    }

    /**
     * The first request (A's) gets {@link #SENT_TO_A} pieces, then waits until A "dies" and is reset; a
     * {@code bytes=N-} request gets the tail from N (of {@link #CHANGED} when {@link #tailChanged}).
     */
    private void serve(Socket socket) {
        try (socket) {
            java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(),
                    StandardCharsets.ISO_8859_1));
            if (in.readLine() == null) {
                return;
            }
            String range = null;
            for (String h = in.readLine(); h != null && !h.isEmpty(); h = in.readLine()) {
                if (h.regionMatches(true, 0, "Range:", 0, 6)) {
                    range = h.substring(6).trim();
                }
            }
            OutputStream out = socket.getOutputStream();
            if (requests.incrementAndGet() == 1) {
                out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + CONTENT.length + "\r\nConnection: close\r\n\r\n")
                        .getBytes(StandardCharsets.ISO_8859_1));
                out.write(CONTENT, 0, SENT_TO_A * PIECE);
                out.flush();
                aDies.await(30, TimeUnit.SECONDS);
                socket.setSoLinger(true, 0); // close() resets: A's body breaks off
                return;
            }
            ranges.add(String.valueOf(range));
            int from = range != null && range.startsWith("bytes=") ? Integer.parseInt(range.substring(6, range.length() - 1)) : 0;
            byte[] body = tailChanged ? CHANGED : CONTENT;
            String head = from > 0 ? "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes " + from + "-" + (body.length - 1)
                    + "/" + body.length + "\r\n" : "HTTP/1.1 200 OK\r\n";
            out.write((head + "Content-Length: " + (body.length - from) + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.write(body, from, body.length - from);
            out.flush();
        } catch (IOException | InterruptedException ignored) {
            // the client went away
        }
    }

    private String startOnA() throws InterruptedException {
        RegisterResponse r = a.service.register(new RegisterRequest("http://127.0.0.1:" + origin.getLocalPort() + "/blob.bin",
                Map.of(), Digests.sha256(CONTENT), null, "p1", "http://127.0.0.1:65001"), "127.0.0.1");
        String taskId = r.taskId();
        // every piece A read is copied to B before A reads further than its buffers
        assertTrue(await(() -> b.cdn.pieces(taskId).cardinality() >= SENT_TO_A), "B never held A's pieces");
        return taskId;
    }

    /** A dies: it stops (as a killed member does nothing more), and B hears that it left. */
    private void killA(String taskId) throws InterruptedException {
        a.b2s.shutdown();
        aDies.countDown();
        assertTrue(await(() -> !a.cdn.isWriting(taskId)), "A's fetch did not stop");
        b.service.memberGone(a.self.memberId());
    }

    @Test
    void theSurvivorResumesAfterTheMirroredPiecesChecksTheWholeFileAndKeepsIt() throws Exception {
        String taskId = startOnA();
        killA(taskId);
        assertTrue(await(() -> store.get(taskId).map(r -> r.status() != TaskStatus.RUNNING).orElse(false)), "no end");
        TaskRecord r = store.get(taskId).orElseThrow();
        assertEquals(TaskStatus.SUCCESS, r.status(), String.valueOf(r.failReason()));
        // the origin sent A three pieces, and B only what came after them
        assertEquals(List.of("bytes=" + (long) SENT_TO_A * PIECE + "-"), ranges);
        assertEquals(Digests.sha256(CONTENT), r.fileDigest());
        assertArrayEquals(CONTENT, Files.readAllBytes(b.cdn.taskDir(taskId).resolve("data")));
        // checked as a whole, so kept for a restart
        assertTrue(Files.exists(b.cdn.taskDir(taskId).resolve(CdnStore.META)), "no meta.json beside B's copy");
        BitSet all = new BitSet();
        all.set(0, r.pieceCount());
        assertEquals(all, b.cdn.pieces(taskId));
    }

    @Test
    void aResumedTakeOverWhoseTailDoesNotMatchTheDigestFails() throws Exception {
        tailChanged = true;
        String taskId = startOnA();
        killA(taskId);
        assertTrue(await(() -> store.get(taskId).map(r -> r.status() != TaskStatus.RUNNING).orElse(false)), "no end");
        TaskRecord r = store.get(taskId).orElseThrow();
        assertEquals(TaskStatus.FAILED, r.status());
        assertEquals("digest_mismatch", r.failCode());
        assertFalse(Files.exists(b.cdn.taskDir(taskId).resolve(CdnStore.META)));
    }

    @Test
    void aCopyIsKeptOnlyWhenItsBytesAreThePieceTheGridPublished() throws Exception {
        String taskId = startOnA();
        byte[] piece0 = java.util.Arrays.copyOf(CONTENT, PIECE);
        String digest0 = Digests.sha256(piece0);
        // bytes that are not the digest, a digest the grid never published, the fetcher itself
        byte[] other = java.util.Arrays.copyOf(CHANGED, PIECE);
        assertFalse(b.receiver.accept(taskId, PIECE, 0, other, digest0));
        assertFalse(b.receiver.accept(taskId, PIECE, 0, other, Digests.sha256(other)));
        assertFalse(a.receiver.accept(taskId, PIECE, 0, piece0, digest0), "the fetcher is no mirror of itself");
        assertFalse(b.receiver.accept("0".repeat(64), PIECE, 0, piece0, digest0), "an unknown task");
        assertTrue(b.receiver.accept(taskId, PIECE, 0, piece0, digest0));
        killA(taskId);
    }

    private static boolean await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(10);
        }
        return condition.getAsBoolean();
    }
}
