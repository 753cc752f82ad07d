package io.dfly.supernode.cdn;

import io.dfly.core.piece.Digests;
import io.dfly.core.protocol.PullAction;
import io.dfly.core.protocol.PullRequest;
import io.dfly.core.protocol.PullResponse;
import io.dfly.core.protocol.RegisterRequest;
import io.dfly.core.protocol.RegisterResponse;
import io.dfly.core.protocol.TaskStatus;
import io.dfly.scheduler.SchedulerLimits;
import io.dfly.supernode.TestSecrets;
import io.dfly.supernode.config.SupernodeSettings;
import io.dfly.supernode.metrics.SupernodeMetrics;
import io.dfly.supernode.task.ApiException;
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
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Origin faults, a full disk and a restart, on back-to-source with a real HTTP origin (issue 11). */
class BackToSourceFaultsTest {
    private static final byte[] CONTENT = new byte[9 * 1024 * 1024 + 17];
    private static final byte[] CHANGED = new byte[CONTENT.length];
    private static final int PIECE = 4 * 1024 * 1024;
    private static final String LOOPBACK = "127.0.0.1";
    private final Map<String, AtomicInteger> requests = new ConcurrentHashMap<>();
    private final List<String> ranges = new CopyOnWriteArrayList<>();
    private final List<String> logged = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            logged.add(r.getLevel() + " " + new java.util.logging.SimpleFormatter().formatMessage(r));
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    /** Set: every write to the data dir fails as a full disk does. */
    private final AtomicBoolean diskFull = new AtomicBoolean();
    /** Held: JUL keeps loggers weakly, and a collected one would lose the capture handler mid-test. */
    private static final Logger DFLY = Logger.getLogger("io.dfly");
    private ServerSocket origin;
    private ExecutorService executor;
    private LocalTaskStore store;
    private LocalOriginHeaders headers;
    private CdnStore cdn;
    private BackToSource b2s;
    private TaskService service;
    private SupernodeMetrics metrics;
    private final TaskSignals signals = new TaskSignals();
    private final SeedIdentity self = SeedIdentity.of("member-1", "127.0.0.1", 8002);
    @TempDir
    Path dataDir;

    @BeforeEach
    void setUp() throws Exception {
        new Random(5).nextBytes(CONTENT);
        new Random(6).nextBytes(CHANGED);
        origin = new ServerSocket(0, 64, InetAddress.getLoopbackAddress());
        executor = Executors.newCachedThreadPool();
        executor.execute(() -> {
            while (!origin.isClosed()) {
                try {
                    Socket s = origin.accept();
                    executor.execute(() -> serve(s));
                } catch (IOException e) {
                    return;
                }
            }
        });
        DFLY.addHandler(capture);
        start(dataDir);
    }

    /** A supernode (store, CDN, back-to-source, task service) on {@code dir}, as after a (re)start. */
    private void start(Path dir) {
        store = new LocalTaskStore();
        headers = new LocalOriginHeaders();
        metrics = new SupernodeMetrics();
        cdn = new CdnStore(dir, System::currentTimeMillis, file -> {
            FileChannel real = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            return new FullDisk(real, diskFull);
        });
        b2s = new BackToSource(store, headers, cdn, new OriginClient(Duration.ofSeconds(2), TestSecrets.LOOPBACK_ALLOWED),
                self, metrics, executor, System::currentTimeMillis, 0, signals, TestSecrets.SECRET);
        b2s.retryBackoff(Collections.nCopies(BackToSource.MAX_RETRIES, Duration.ofMillis(5)));
        service = new TaskService(store, headers, b2s, self, TestSecrets.SECRET, SchedulerLimits.defaults(), 4, List.of(),
                Duration.ofSeconds(30), TaskService.DEFAULT_FAILED_TASK_TTL, metrics, System::currentTimeMillis, signals, null);
    }

    @AfterEach
    void tearDown() {
        DFLY.removeHandler(capture);
        try {
            origin.close();
        } catch (IOException ignored) {
            // closed
        }
        executor.shutdownNow();
    }

    /**
     * The origin, on a plain socket (so a body can really break off: the connection is reset): each path is
     * one kind of fault, and the request count per path decides when it stops.
     */
    private void serve(Socket socket) {
        try (socket) {
            java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(),
                    StandardCharsets.ISO_8859_1));
            String line = in.readLine();
            if (line == null) {
                return;
            }
            String path = java.net.URI.create(line.split(" ")[1]).getPath();
            String range = null;
            for (String h = in.readLine(); h != null && !h.isEmpty(); h = in.readLine()) {
                if (h.regionMatches(true, 0, "Range:", 0, 6)) {
                    range = h.substring(6).trim();
                }
            }
            int n = requests.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
            if (range != null) {
                ranges.add(path + " " + range);
            }
            OutputStream out = socket.getOutputStream();
            switch (path) {
                case "/flaky.bin" -> {
                    if (n <= 2) {
                        status(out, 503);
                    } else {
                        whole(out, CONTENT, range);
                    }
                }
                case "/always-503.bin" -> status(out, 503);
                case "/missing.bin" -> status(out, 404);
                // the first body breaks off after 5 MiB; the origin supports Range
                case "/reset.bin" -> {
                    if (n == 1) {
                        cut(socket, out, CONTENT);
                    } else {
                        whole(out, CONTENT, range);
                    }
                }
                // the first body is short; the origin supports Range
                case "/short.bin" -> {
                    if (n == 1) {
                        shortBody(socket, out, CONTENT);
                    } else {
                        whole(out, CONTENT, range);
                    }
                }
                // the first body breaks off; the origin then ignores Range
                case "/no-range.bin" -> {
                    if (n == 1) {
                        cut(socket, out, CONTENT);
                    } else {
                        whole(out, CONTENT, null);
                    }
                }
                // the first body breaks off; what comes next (from the first byte, Range ignored) is other content
                case "/changed.bin" -> {
                    if (n == 1) {
                        cut(socket, out, CONTENT);
                    } else {
                        whole(out, CHANGED, null);
                    }
                }
                default -> whole(out, CONTENT, range);
            }
            out.flush();
        } catch (IOException ignored) {
            // the client went away
        }
    }

    private static void status(OutputStream out, int code) throws IOException {
        out.write(("HTTP/1.1 " + code + " X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
    }

    /** The body, or its tail from a {@code bytes=N-} Range (206). */
    private static void whole(OutputStream out, byte[] body, String range) throws IOException {
        int from = 0;
        String head;
        if (range != null && range.startsWith("bytes=") && range.endsWith("-")) {
            from = Integer.parseInt(range.substring(6, range.length() - 1));
            head = "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes " + from + "-" + (body.length - 1) + "/"
                    + body.length + "\r\n";
        } else {
            head = "HTTP/1.1 200 OK\r\n";
        }
        out.write((head + "Content-Length: " + (body.length - from) + "\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        out.write(body, from, body.length - from);
    }

    /** Announces the whole body, sends 5 MiB of it and resets the connection once they are read. */
    private static void cut(Socket socket, OutputStream out, byte[] body) throws IOException {
        out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        out.write(body, 0, 5 * 1024 * 1024);
        out.flush();
        try {
            Thread.sleep(300); // read by now: the reset does not take them back
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        socket.setSoLinger(true, 0); // close() sends a reset
    }

    /** Announces the whole body, sends 5 MiB of it and closes the connection (a short body). */
    private static void shortBody(Socket socket, OutputStream out, byte[] body) throws IOException {
        out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        out.write(body, 0, 5 * 1024 * 1024);
        out.flush();
        socket.shutdownOutput();
    }

    private String url(String path) {
        return "http://127.0.0.1:" + origin.getLocalPort() + path;
    }

    private RegisterResponse register(String path, String digest) {
        return service.register(new RegisterRequest(url(path), Map.of(), digest, null, "p1", "http://127.0.0.1:65001"),
                LOOPBACK);
    }

    private TaskRecord awaitDone(String taskId) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            TaskRecord r = store.get(taskId).orElseThrow();
            if (r.status() == TaskStatus.SUCCESS || r.status() == TaskStatus.FAILED) {
                return r;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("task not done");
    }

    private byte[] stored(String taskId) throws IOException {
        return Files.readAllBytes(cdn.taskDir(taskId).resolve("data"));
    }

    private long retryLines() {
        return logged.stream().filter(l -> l.startsWith("INFO") && l.contains("; retry ")).count();
    }

    // --- origin faults ---

    @Test
    void a503IsRetriedWithOneLineEach() throws Exception {
        RegisterResponse r = register("/flaky.bin?X-Amz-Signature=SECRET", Digests.sha256(CONTENT));
        assertEquals(TaskStatus.SUCCESS, awaitDone(r.taskId()).status());
        assertArrayEquals(CONTENT, stored(r.taskId()));
        assertEquals(3, requests.get("/flaky.bin").get());
        assertEquals(2, metrics.originRetries.count());
        assertEquals(2, retryLines(), logged.toString());
        assertTrue(logged.stream().noneMatch(l -> l.contains("SECRET") || l.contains("Signature")), logged.toString());
    }

    @Test
    void aBodyCutOffIsResumedWithRange() throws Exception {
        RegisterResponse r = register("/reset.bin", Digests.sha256(CONTENT));
        TaskRecord done = awaitDone(r.taskId());
        assertEquals(TaskStatus.SUCCESS, done.status(), done.failReason());
        assertEquals(Digests.sha256(CONTENT), done.fileDigest());
        assertArrayEquals(CONTENT, stored(r.taskId()));
        // 5 MiB arrived: the first piece (4 MiB) was kept, the rest asked for from its end
        assertEquals(List.of("/reset.bin bytes=" + PIECE + "-"), ranges);
        assertEquals(1, retryLines(), logged.toString());
        assertTrue(logged.stream().anyMatch(l -> l.contains("Connection reset") && l.contains("from byte " + PIECE)), logged.toString());
    }

    @Test
    void aShortBodyIsResumedWithRange() throws Exception {
        RegisterResponse r = register("/short.bin", Digests.sha256(CONTENT));
        TaskRecord done = awaitDone(r.taskId());
        assertEquals(TaskStatus.SUCCESS, done.status(), done.failReason());
        assertArrayEquals(CONTENT, stored(r.taskId()));
        assertEquals(List.of("/short.bin bytes=" + PIECE + "-"), ranges);
        assertTrue(logged.stream().anyMatch(l -> l.contains("origin sent " + 5 * 1024 * 1024 + " of " + CONTENT.length)),
                logged.toString());
    }

    @Test
    void anOriginIgnoringRangeIsReadAgainFromTheFirstByteAndChecked() throws Exception {
        RegisterResponse r = register("/no-range.bin", Digests.sha256(CONTENT));
        TaskRecord done = awaitDone(r.taskId());
        assertEquals(TaskStatus.SUCCESS, done.status(), done.failReason());
        assertEquals(Digests.sha256(CONTENT), done.fileDigest(), "the whole file was checked");
        assertArrayEquals(CONTENT, stored(r.taskId()));
        assertEquals(2, requests.get("/no-range.bin").get());
        assertEquals(List.of("/no-range.bin bytes=" + PIECE + "-"), ranges, "the retry asked for the rest");
        assertTrue(logged.stream().anyMatch(l -> l.contains("ignored Range")), logged.toString());
    }

    @Test
    void contentThatChangedBetweenTwoRequestsFailsTheTask() throws Exception {
        RegisterResponse r = register("/changed.bin", null);
        TaskRecord done = awaitDone(r.taskId());
        assertEquals(TaskStatus.FAILED, done.status());
        assertEquals("origin_changed", done.failCode());
        assertFalse(cdn.holds(r.taskId()), "nothing of it is served");
        assertEquals(PullAction.FAILED, service.pull(r.taskId(), new PullRequest("p1", "", 4)).action());
    }

    @Test
    void persistent5xxFailsAfterFourRetriesAndPermanentErrorsAtOnce() {
        ApiException gaveUp = assertThrows(ApiException.class, () -> register("/always-503.bin", null));
        assertEquals(502, gaveUp.status());
        assertTrue(gaveUp.getMessage().contains("503"), gaveUp.getMessage());
        assertEquals(1 + BackToSource.MAX_RETRIES, requests.get("/always-503.bin").get());
        ApiException missing = assertThrows(ApiException.class, () -> register("/missing.bin", null));
        assertEquals(404, missing.status());
        assertTrue(missing.getMessage().contains("404"), missing.getMessage());
        assertEquals(1, requests.get("/missing.bin").get(), "a 404 is not retried");
    }

    @Test
    void aWholeFileMismatchFailsTheTaskAndDeletesItsCopy() throws Exception {
        RegisterResponse r = register("/file.bin", "sha256:" + "0".repeat(64));
        TaskRecord done = awaitDone(r.taskId());
        assertEquals(TaskStatus.FAILED, done.status());
        assertEquals("digest_mismatch", done.failCode());
        assertFalse(Files.exists(dataDir.resolve("tasks").resolve(r.taskId())), "data and meta deleted");
        assertEquals(PullAction.FAILED, service.pull(r.taskId(), new PullRequest("p1", "", 4)).action());
    }

    // --- a full disk ---

    @Test
    void aFullDiskFailsTheTaskInOneLineAndTheRestIsStillServed() throws Exception {
        RegisterResponse served = register("/file.bin", null);
        assertEquals(TaskStatus.SUCCESS, awaitDone(served.taskId()).status());
        diskFull.set(true);
        RegisterResponse r = register("/other.bin", null);
        TaskRecord done = awaitDone(r.taskId());
        assertEquals(TaskStatus.FAILED, done.status());
        String expected = "no space left in " + dataDir + " (" + SupernodeSettings.DATA_DIR + ")";
        assertEquals(expected, done.failReason());
        assertEquals("no_space", done.failCode());
        assertFalse(done.failReason().contains("\n"));
        assertTrue(logged.stream().anyMatch(l -> l.startsWith("WARNING") && l.contains(expected)), logged.toString());
        assertFalse(Files.exists(dataDir.resolve("tasks").resolve(r.taskId())), "no partial copy is left");
        PullResponse pull = service.pull(r.taskId(), new PullRequest("p1", "", 4));
        assertEquals(PullAction.FAILED, pull.action());
        assertEquals(expected, pull.reason());
        // what is already here is still served
        assertTrue(cdn.piece(served.taskId(), 0).isPresent());
        assertEquals(PullAction.ASSIGNED, service.pull(served.taskId(), new PullRequest("p1", "", 4)).action());
        // and once there is room again, a new registration fetches it
        diskFull.set(false);
        RegisterResponse again = register("/other.bin", null);
        assertEquals(TaskStatus.SUCCESS, awaitDone(again.taskId()).status());
    }

    // --- a restart keeps the CDN ---

    @Test
    void aRestartedSupernodeServesWhatItKeptWithoutTheOrigin() throws Exception {
        RegisterResponse r = service.register(new RegisterRequest(url("/file.bin?X-Amz-Signature=SECRET"),
                Map.of("Authorization", "Bearer TOKEN"), Digests.sha256(CONTENT), null, "p1", "http://127.0.0.1:65001"), LOOPBACK);
        assertEquals(TaskStatus.SUCCESS, awaitDone(r.taskId()).status());
        Path meta = dataDir.resolve("tasks").resolve(r.taskId()).resolve(CdnStore.META);
        String text = Files.readString(meta, StandardCharsets.UTF_8);
        assertTrue(text.contains(url("/file.bin")) && text.contains(Digests.sha256(CONTENT)), text);
        for (String secret : List.of("SECRET", "Signature", "TOKEN", "Bearer", "?")) {
            assertFalse(text.contains(secret), secret + " in " + text);
        }
        // what an interrupted fetch leaves behind: data without meta.json
        Path leftover = dataDir.resolve("tasks").resolve("e".repeat(64));
        Files.createDirectories(leftover);
        Files.write(leftover.resolve("data"), new byte[100]);
        int fetched = requests.get("/file.bin").get();

        start(dataDir); // a new member on the same data dir: empty grid, fresh CDN index
        List<CdnStore.TaskMeta> kept = cdn.recover();
        assertEquals(1, kept.size());
        assertFalse(Files.exists(leftover), "an incomplete leftover is deleted");
        assertTrue(service.restoreLocalCopy(kept.get(0)));
        TaskRecord back = store.get(r.taskId()).orElseThrow();
        assertEquals(TaskStatus.SUCCESS, back.status());
        assertEquals(Digests.sha256(CONTENT), back.fileDigest());
        RegisterResponse joined = service.register(new RegisterRequest(url("/file.bin"), Map.of(), Digests.sha256(CONTENT),
                null, "p2", "http://127.0.0.1:65001"), LOOPBACK);
        assertEquals(r.taskId(), joined.taskId());
        assertEquals(TaskStatus.SUCCESS.name(), joined.status());
        PullResponse pull = service.pull(r.taskId(), new PullRequest("p2", "", 4));
        assertEquals(PullAction.ASSIGNED, pull.action());
        for (var a : pull.pieces()) {
            assertEquals(self.sourceId(), a.sourcePeerId());
            CdnStore.PieceRef ref = cdn.piece(r.taskId(), a.pieceNum()).orElseThrow();
            assertEquals(a.digest(), ref.digest());
        }
        assertEquals(fetched, requests.get("/file.bin").get(), "the origin was asked again");
        assertEquals(url("/file.bin"), store.get(r.taskId()).orElseThrow().displayUrl());
    }

    @Test
    void aKeptPieceThatRottedOnDiskIsNotServed() throws Exception {
        RegisterResponse r = register("/file.bin", null);
        assertEquals(TaskStatus.SUCCESS, awaitDone(r.taskId()).status());
        Path data = dataDir.resolve("tasks").resolve(r.taskId()).resolve("data");
        try (FileChannel ch = FileChannel.open(data, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[]{(byte) ~CONTENT[PIECE + 7]}), PIECE + 7);
        }
        start(dataDir);
        List<CdnStore.TaskMeta> kept = cdn.recover();
        List<String> corrupt = new CopyOnWriteArrayList<>();
        cdn.onCorrupt(corrupt::add);
        assertTrue(service.restoreLocalCopy(kept.get(0)));
        assertTrue(cdn.piece(r.taskId(), 0).isPresent(), "an intact piece is served");
        assertTrue(cdn.piece(r.taskId(), 1).isEmpty(), "the rotten piece is not");
        assertEquals(List.of(r.taskId()), corrupt);
        assertFalse(cdn.holds(r.taskId()), "the copy is dropped");
    }

    /** A file channel whose writes fail as on a full disk while {@code full} is set. */
    static final class FullDisk extends FileChannel {
        private final FileChannel real;
        private final AtomicBoolean full;

        FullDisk(FileChannel real, AtomicBoolean full) {
            this.real = real;
            this.full = full;
        }

        private void check() throws IOException {
            if (full.get()) {
                throw new IOException("No space left on device");
            }
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            return real.read(dst);
        }

        @Override
        public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
            return real.read(dsts, offset, length);
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            check();
            return real.write(src);
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            check();
            return real.write(srcs, offset, length);
        }

        @Override
        public long position() throws IOException {
            return real.position();
        }

        @Override
        public FileChannel position(long newPosition) throws IOException {
            real.position(newPosition);
            return this;
        }

        @Override
        public long size() throws IOException {
            return real.size();
        }

        @Override
        public FileChannel truncate(long size) throws IOException {
            real.truncate(size);
            return this;
        }

        @Override
        public void force(boolean metaData) throws IOException {
            real.force(metaData);
        }

        @Override
        public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
            return real.transferTo(position, count, target);
        }

        @Override
        public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
            check();
            return real.transferFrom(src, position, count);
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            return real.read(dst, position);
        }

        @Override
        public int write(ByteBuffer src, long position) throws IOException {
            check();
            return real.write(src, position);
        }

        @Override
        public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
            return real.map(mode, position, size);
        }

        @Override
        public FileLock lock(long position, long size, boolean shared) throws IOException {
            return real.lock(position, size, shared);
        }

        @Override
        public FileLock tryLock(long position, long size, boolean shared) throws IOException {
            return real.tryLock(position, size, shared);
        }

        @Override
        protected void implCloseChannel() throws IOException {
            real.close();
        }
    }
}
