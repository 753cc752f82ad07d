package io.dfly.supernode.cdn;

import io.dfly.core.piece.Digests;
import io.dfly.core.protocol.TaskStatus;
import io.dfly.core.security.ClusterSecret;
import io.dfly.core.security.SafeText;
import io.dfly.supernode.metrics.SupernodeMetrics;
import io.dfly.supernode.task.GridSeal;
import io.dfly.supernode.task.OriginHeaderStore;
import io.dfly.supernode.task.SeedIdentity;
import io.dfly.supernode.task.TaskAction.Result;
import io.dfly.supernode.task.TaskRecord;
import io.dfly.supernode.task.TaskSignals;
import io.dfly.supernode.task.TaskStore;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.channels.FileChannel;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Fetches a task from its origin into this member's CDN copy, piece by piece: each piece is written,
 * hashed and published to the swarm as soon as it lands (a 1 GiB file shares its first piece long
 * before its last byte arrives). Checks the whole-file digest when it is known.
 *
 * <p>Reading the origin and publishing overlap: the fetching thread reads pieces into a few reused
 * buffers ({@link #PIPELINE_BUFFERS}) and hands them, in order, to one publisher thread that hashes,
 * writes and publishes each one, then signals the task ({@link TaskSignals}) so held pulls wake.
 *
 * <p>Origin faults: a 5xx (or 429), a connection cut mid-request or mid-body and a body shorter than
 * announced are retried, at most {@link #MAX_RETRIES} times in a row without a piece landing in between,
 * after 0.5, 1, 2 and 4 s (one INFO line each, the URL without its query). A retry asks for the rest with
 * {@code Range: bytes=N-} (N: the first byte of the first piece not yet read); an origin that answers 200
 * instead is read again from the first byte, and every piece already published must come again with its
 * digest ({@code origin_changed} otherwise). 404, 401, 403, a refused origin and a digest mismatch fail
 * at once, the origin's status in the message.
 *
 * <p>A member that dies mid-fetch: each published piece is also copied to one other member before the
 * next is published ({@link PieceMirror}), so the survivor that takes over ({@code TaskService#memberGone})
 * holds every piece but the last few the dead member had read, resumes after them with {@code Range}, and
 * checks the whole file by hashing its copy of the pieces before the resume point first.
 *
 * <p>A write that fails (disk full) fails the task with one line naming the data dir, and its partial copy
 * is deleted; other tasks are served on. A copy that completes gets its {@code meta.json}
 * ({@link CdnStore#writeMeta}), so a restarted member serves it again.
 */
public final class BackToSource {
    private static final Logger LOG = Logger.getLogger(BackToSource.class.getName());
    /**
     * Piece buffers per running fetch (each one piece, up to 15 MiB, reused): one being read, the
     * others waiting for or being published.
     */
    static final int PIPELINE_BUFFERS = 3;
    /** Under an origin rate limit, the bytes read between two pauses. */
    static final int PACE_STEP = 64 * 1024;
    /** Retries in a row (without a piece landing between them) before a fetch fails. */
    public static final int MAX_RETRIES = 4;
    /** Wait before each retry. */
    public static final List<Duration> DEFAULT_BACKOFF = List.of(Duration.ofMillis(500), Duration.ofSeconds(1),
            Duration.ofSeconds(2), Duration.ofSeconds(4));

    private final TaskStore store;
    private final OriginHeaderStore headers;
    private final CdnStore cdn;
    private final OriginClient origin;
    private final SeedIdentity self;
    private final SupernodeMetrics metrics;
    /** Runs each fetch (bounded in the WAR: fetches beyond its threads wait their turn). */
    private final ExecutorService executor;
    /** Runs each running fetch's publisher (one per running fetch, so never more than the fetches). */
    private final ExecutorService publishers;
    private final LongSupplier clock;
    private final long rateLimitBytesPerSecond;
    private final TaskSignals signals;
    private final GridSeal seal;
    private volatile boolean stopping;
    private volatile List<Duration> backoff = DEFAULT_BACKOFF;
    private volatile PieceMirror mirror = PieceMirror.NONE;

    /**
     * @param executor runs each fetch, and its publisher (two threads per running fetch)
     * @param signals  signalled for every change a fetch makes to a task (shared with the task service)
     * @param secret   the cluster secret (opens the task's sealed URL)
     */
    public BackToSource(TaskStore store, OriginHeaderStore headers, CdnStore cdn, OriginClient origin, SeedIdentity self,
                        SupernodeMetrics metrics, ExecutorService executor, LongSupplier clock,
                        long rateLimitBytesPerSecond, TaskSignals signals, ClusterSecret secret) {
        this(store, headers, cdn, origin, self, metrics, executor, executor, clock, rateLimitBytesPerSecond, signals, secret);
    }

    /**
     * @param fetches    runs each fetch; a bounded pool bounds the fetches running at once (the others queue,
     *                   and their registrations wait as for a slow origin)
     * @param publishers runs each running fetch's publisher; must not queue behind {@code fetches}
     */
    public BackToSource(TaskStore store, OriginHeaderStore headers, CdnStore cdn, OriginClient origin, SeedIdentity self,
                        SupernodeMetrics metrics, ExecutorService fetches, ExecutorService publishers, LongSupplier clock,
                        long rateLimitBytesPerSecond, TaskSignals signals, ClusterSecret secret) {
        this.executor = fetches;
        this.publishers = publishers;
        this.store = store;
        this.headers = headers;
        this.cdn = cdn;
        this.origin = origin;
        this.self = self;
        this.metrics = metrics;
        this.clock = clock;
        this.rateLimitBytesPerSecond = rateLimitBytesPerSecond;
        this.signals = signals;
        this.seal = new GridSeal(secret);
    }

    /** Copies every piece a fetch publishes to another member ({@link PieceMirror}); none by default. */
    public void mirrorPiecesTo(PieceMirror mirror) {
        this.mirror = mirror;
    }

    /** Replaces the waits before retries ({@link #MAX_RETRIES} of them; tests shorten them). */
    public void retryBackoff(List<Duration> waits) {
        if (waits.size() < MAX_RETRIES) {
            throw new IllegalArgumentException("need " + MAX_RETRIES + " waits");
        }
        this.backoff = List.copyOf(waits);
    }

    /**
     * Starts fetching in the background, from the first piece nobody has published yet. The future
     * completes once the origin's answer is known (the task is then RUNNING or FAILED).
     */
    public CompletableFuture<Void> start(String taskId) {
        CompletableFuture<Void> answered = new CompletableFuture<>();
        try {
            executor.execute(() -> {
                try {
                    run(taskId, answered);
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "back-to-source of task " + taskId + " failed unexpectedly", SafeText.scrubbed(e));
                    fail(taskId, "internal", "back-to-source failed: " + e.getClass().getSimpleName(), 502);
                } finally {
                    answered.complete(null);
                    signals.signal(taskId); // however the fetch ended: held pulls and registrations see it
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // the member is stopping: a survivor takes the fetch over
            answered.complete(null);
        }
        return answered;
    }

    /** What a fetch knows about where it is: the next piece to read, the bytes before it, the running file digest. */
    private static final class Position {
        int piece;
        long total;
        /** The whole file's digest so far; null when the fetch did not read from the first byte. */
        MessageDigest whole;

        Position(int piece, long total, MessageDigest whole) {
            this.piece = piece;
            this.total = total;
            this.whole = whole;
        }

        void restartFromZero() {
            piece = 0;
            total = 0;
            whole = Digests.newSha256();
        }
    }

    /** The retries of one fetch: at most {@link #MAX_RETRIES} in a row, each after its wait and one INFO line. */
    private final class Retries {
        private final String taskId;
        private final String displayUrl;
        private int inARow;

        Retries(String taskId, String displayUrl) {
            this.taskId = taskId;
            this.displayUrl = displayUrl;
        }

        /** A piece landed: the next fault gets the full series of retries again. */
        void progress() {
            inARow = 0;
        }

        /** Waits before the next retry and says so; false when none is left (or the member is stopping). */
        boolean next(String why, long fromByte) throws InterruptedIOException {
            if (stopping || inARow >= MAX_RETRIES) {
                return false;
            }
            Duration wait = backoff.get(inARow);
            inARow++;
            int n = inARow;
            metrics.originRetries.increment();
            LOG.info(() -> "task " + taskId + ": origin " + displayUrl + ": " + why + "; retry " + n + "/" + MAX_RETRIES
                    + " in " + wait.toMillis() + " ms" + (fromByte > 0 ? " from byte " + fromByte : ""));
            try {
                Thread.sleep(wait.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting to retry");
            }
            return !stopping;
        }

        int count() {
            return inARow;
        }
    }

    private void run(String taskId, CompletableFuture<Void> answered) {
        TaskRecord rec = store.get(taskId).orElse(null);
        if (rec == null) {
            return;
        }
        int startPiece = resumePoint(taskId, rec);
        long startByte = (long) startPiece * rec.pieceSize();
        if (startPiece > 0 && rec.pieceCount() >= 0 && startPiece >= rec.pieceCount()) {
            // every piece is published and held by someone: nothing left to fetch; a mirror holding them all
            // checks the whole file and keeps its copy
            long length = rec.contentLength();
            MessageDigest held = heldPrefixDigest(taskId, rec, startPiece);
            String digest = held == null ? null : Digests.format(held);
            String want = rec.expectedDigest();
            if (digest != null && want != null && !want.equals(digest)) {
                LOG.warning(() -> "task " + taskId + ": digest mismatch, expected " + want + " got " + digest + "; data deleted");
                cdn.delete(taskId);
                fail(taskId, "digest_mismatch", "content digest " + digest + " does not match expected " + want, 502);
                return;
            }
            boolean kept = digest != null && keep(taskId, rec.displayUrl(), length, rec.pieceSize(), digest, want);
            TaskStatus status = store.update(taskId, r -> {
                if (r == null) {
                    return Result.of(null, null);
                }
                r.originFinished(length, digest);
                return Result.of(r, r.status());
            });
            if (kept && status != TaskStatus.SUCCESS) {
                cdn.forgetMeta(taskId);
            }
            return; // start() signals the task when the fetch ends, however it ends
        }
        if (startPiece == 0 && cdn.holds(taskId) && !cdn.isWriting(taskId)) {
            cdn.delete(taskId); // what an earlier fetch of it left here (it failed, or is from before a restart)
        }
        String url = seal.openUrl(rec.sealedUrl(), taskId);
        String displayUrl = rec.displayUrl();
        // only the headers given for the URL this task fetches (after a restart, not the failed URL's)
        String urlKey = rec.urlKey();
        Map<String, String> originHeaders = headers.get(taskId).map(h -> h.forUrl(urlKey)).orElse(Map.of());
        Retries retries = new Retries(taskId, displayUrl);
        // a take-over that holds every piece before its resume point (mirrored here) still checks the whole file
        MessageDigest whole = startPiece == 0 ? Digests.newSha256() : heldPrefixDigest(taskId, rec, startPiece);
        Position at = new Position(startPiece, startByte, whole);
        OriginClient.OriginResponse resp;
        try {
            resp = openAt(taskId, url, originHeaders, at, rec.pieceSize(), rec.contentLength(), retries);
        } catch (OriginFailure f) {
            LOG.warning(() -> "task " + taskId + ": " + f.getMessage());
            fail(taskId, f.code(), f.getMessage(), f.httpStatus());
            return;
        } catch (InterruptedIOException e) {
            return; // stopping: a survivor takes over
        }
        if (resp == null) {
            return; // failed (and said why) or stopping
        }
        long length = startByte > 0 && at.piece > 0 ? rec.contentLength() : resp.contentLength();
        long now = clock.getAsLong();
        String member = self.memberId();
        String sourceId = self.sourceId();
        String baseUrl = self.baseUrl();
        // lambdas sent to the cluster capture only serializable locals, never "this"
        TaskRecord current = store.update(taskId, r -> {
            if (r == null || !member.equals(r.seederMember())) {
                return Result.of(r, null);
            }
            r.originAnswered(length, member, sourceId, baseUrl, now);
            return Result.of(r, r);
        });
        answered.complete(null);
        signals.signal(taskId);
        if (current == null) {
            close(resp.body());
            return;
        }
        int pieceSize = current.pieceSize();
        LOG.info(() -> "task " + taskId + ": back-to-source from " + displayUrl
                + (at.piece > 0 ? " resuming at piece " + at.piece : "") + ", length " + length
                + ", piece size " + pieceSize);
        long started = System.nanoTime();
        try (FileChannel ch = cdn.openForWrite(taskId, pieceSize)) {
            cdn.writing(taskId, true);
            try {
                copy(taskId, url, originHeaders, resp, ch, at, pieceSize, length, current.expectedDigest(), displayUrl,
                        retries);
            } finally {
                cdn.writing(taskId, false);
            }
        } catch (CdnStore.WriteFailure w) {
            LOG.warning(() -> "task " + taskId + ": " + w.getMessage() + "; its partial copy is deleted");
            deleteQuietly(taskId);
            fail(taskId, w.noSpace() ? "no_space" : "disk_error", w.getMessage(), 507);
        } catch (InterruptedIOException e) {
            LOG.fine(() -> "task " + taskId + ": fetch interrupted (stopping)");
        } catch (IOException e) {
            String why = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + SafeText.scrub(e.getMessage()));
            LOG.warning(() -> "task " + taskId + ": origin body failed: " + why);
            fail(taskId, "origin_error", "origin body failed: " + why, 502);
        } finally {
            close(resp.body());
            metrics.originFetchTime.recordSince(started);
        }
    }

    /**
     * Opens the origin at {@code at} (a {@code Range} request past the first byte), retrying what may pass
     * (5xx, 429, a cut connection, a 206 at another offset). An origin that ignores the Range (200) is read
     * from the first byte again: {@code at} moves back to 0. Returns null when the task failed here (the
     * reason is recorded) or the member is stopping; throws a permanent failure at once.
     */
    private OriginClient.OriginResponse openAt(String taskId, String url, Map<String, String> originHeaders, Position at,
                                               int pieceSize, long knownLength, Retries retries)
            throws OriginFailure, InterruptedIOException {
        while (true) {
            long fromByte = at.total;
            String why;
            try {
                OriginClient.OriginResponse r = origin.open(url, originHeaders, fromByte, null);
                if (fromByte == 0 || (r.status() == 206 && r.rangeStart() == fromByte)) {
                    return r;
                }
                if (r.status() == 200) {
                    // the origin ignores Range: read it all again, checking what was published against it
                    if (knownLength >= 0 && r.contentLength() >= 0 && r.contentLength() != knownLength) {
                        close(r.body());
                        fail(taskId, "origin_changed", "the origin now sends " + r.contentLength() + " bytes, not "
                                + knownLength, 502);
                        return null;
                    }
                    LOG.info(() -> "task " + taskId + ": the origin ignored Range from byte " + fromByte
                            + "; reading it again from the first byte");
                    at.restartFromZero();
                    return r;
                }
                close(r.body());
                why = "206 from byte " + r.rangeStart() + " when asked for byte " + fromByte;
            } catch (OriginFailure f) {
                if (!f.retriable()) {
                    throw f;
                }
                why = f.getMessage();
                if (!retries.next(why, fromByte)) {
                    if (stopping) {
                        return null;
                    }
                    throw new OriginFailure(f.httpStatus(), f.code(), f.getMessage() + " (after " + MAX_RETRIES + " retries)");
                }
                continue;
            }
            if (!retries.next(why, fromByte)) {
                if (!stopping) {
                    fail(taskId, "origin_error", "origin answered " + why + " (after " + MAX_RETRIES + " retries)", 502);
                }
                return null;
            }
        }
    }

    /**
     * Where this fetch starts: the first piece no live member or peer holds ({@link TaskRecord#firstPieceToFetch});
     * or, for a mirror taking over that holds every piece before a point a few pieces earlier (it lags the dead
     * fetcher by at most its piece buffers), that point: those few pieces come again so that this member holds
     * the whole file, checks its digest and keeps it.
     */
    private int resumePoint(String taskId, TaskRecord rec) {
        int first = rec.firstPieceToFetch();
        int held = cdn.pieces(taskId).nextClearBit(0);
        return held > 0 && held < first && first - held <= PIPELINE_BUFFERS + 1 ? held : first;
    }

    /**
     * The running whole-file digest over pieces 0 .. count-1 read from this member's copy, when it holds every
     * one of them with the digests the grid published (a mirror taking over); else null (no whole-file check).
     */
    private MessageDigest heldPrefixDigest(String taskId, TaskRecord rec, int count) {
        Optional<List<String>> held = cdn.allDigests(taskId, count);
        if (held.isEmpty() || rec.swarm() == null) {
            return null;
        }
        for (int n = 0; n < count; n++) {
            if (!held.get().get(n).equals(rec.swarm().digest(n))) {
                return null;
            }
        }
        MessageDigest md = Digests.newSha256();
        return cdn.hashPieces(taskId, count, md) ? md : null;
    }

    /** One piece read from the origin, handed to the publisher; {@link #END} ends the fetch. */
    private record Chunk(byte[] buf, int piece, int length, long totalAfter, boolean last) {
    }

    private static final Chunk END = new Chunk(null, -1, 0, 0, false);

    /** The body ended before the length the origin announced. */
    private static final class ShortBody extends IOException {
        ShortBody(long got, long announced) {
            super("origin sent " + got + " of " + announced + " bytes");
        }
    }

    /**
     * Reads pieces from the origin on this thread while one publisher thread hashes, writes and
     * publishes the ones already read, in order. A body that breaks off is asked for again (see the class
     * comment) from the first piece not yet read.
     */
    private void copy(String taskId, String url, Map<String, String> originHeaders, OriginClient.OriginResponse first,
                      FileChannel ch, Position at, int pieceSize, long length, String expectedDigest, String displayUrl,
                      Retries retries) throws IOException {
        BlockingQueue<byte[]> free = new ArrayBlockingQueue<>(PIPELINE_BUFFERS);
        // room for every buffer plus the end marker: handing over never blocks
        BlockingQueue<Chunk> ready = new ArrayBlockingQueue<>(PIPELINE_BUFFERS + 1);
        CompletableFuture<Boolean> published = new CompletableFuture<>();
        publishers.execute(() -> publish(taskId, ch, pieceSize, free, ready, published));
        int allocated = 0;
        // a file smaller than a piece needs no piece-sized buffer (many small files at once stay small)
        int readSize = length >= 0 ? (int) Math.min(pieceSize, length) : pieceSize;
        long started = System.nanoTime();
        long fetched = 0;
        boolean complete = false;
        InputStream in = first.body();
        try {
            read:
            while (true) {
                try {
                    while (true) {
                        if (published.isDone()) {
                            // the publisher stopped (origin changed, or a write failed): it said why
                            break read;
                        }
                        byte[] buf = free.poll();
                        if (buf == null && allocated < PIPELINE_BUFFERS) {
                            buf = new byte[readSize];
                            allocated++;
                        }
                        while (buf == null && !published.isDone()) {
                            buf = free.poll(50, TimeUnit.MILLISECONDS);
                        }
                        if (buf == null) {
                            break read;
                        }
                        int n;
                        try {
                            n = readPaced(in, buf, readSize, started, fetched);
                        } catch (IOException e) {
                            free.add(buf);
                            throw e;
                        }
                        metrics.bytesFromOrigin.add(n);
                        fetched += n;
                        boolean last;
                        if (length >= 0) {
                            long want = Math.min(pieceSize, length - at.total);
                            if (n < want) {
                                free.add(buf);
                                throw new ShortBody(at.total + n, length);
                            }
                            last = at.total + n >= length;
                        } else {
                            if (n == 0 && at.piece > 0) {
                                // only an empty file has an empty (first and only) piece
                                free.add(buf);
                                complete = true;
                                break read;
                            }
                            last = n < pieceSize;
                        }
                        if (at.whole != null) {
                            at.whole.update(buf, 0, n);
                        }
                        at.total += n;
                        ready.add(new Chunk(buf, at.piece, n, at.total, last));
                        at.piece++;
                        retries.progress();
                        pace(started, fetched);
                        if (last) {
                            complete = true;
                            break read;
                        }
                    }
                } catch (IOException e) {
                    if (e instanceof InterruptedIOException && !(e instanceof java.net.SocketTimeoutException)) {
                        throw e; // interrupted: the member is stopping
                    }
                    if (stopping) {
                        return;
                    }
                    close(in);
                    String why = e instanceof ShortBody ? e.getMessage()
                            : "body cut off (" + e.getClass().getSimpleName()
                            + (e.getMessage() == null ? "" : ": " + SafeText.scrub(e.getMessage())) + ")";
                    if (!retries.next(why, at.total)) {
                        if (!stopping) {
                            LOG.warning(() -> "task " + taskId + ": origin " + why + " (after " + MAX_RETRIES + " retries)");
                            fail(taskId, "origin_error", "origin " + why + " (after " + MAX_RETRIES + " retries)", 502);
                        }
                        return;
                    }
                    OriginClient.OriginResponse again;
                    try {
                        again = openAt(taskId, url, originHeaders, at, pieceSize, length, retries);
                    } catch (OriginFailure f) {
                        LOG.warning(() -> "task " + taskId + ": " + f.getMessage());
                        fail(taskId, f.code(), f.getMessage(), f.httpStatus());
                        return;
                    }
                    if (again == null) {
                        return;
                    }
                    in = again.body();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while fetching");
        } finally {
            ready.add(END);
            close(in);
            // every piece read is published (or the publisher stopped) before anything else happens
            complete &= awaitPublisher(published);
        }
        if (!complete) {
            return;
        }
        long total = at.total;
        if (length >= 0 && total != length) {
            fail(taskId, "origin_error", "origin sent " + total + " bytes, announced " + length, 502);
            return;
        }
        // the whole file is checked when this fetch read it from the first byte (resumed with Range or not), or
        // resumed after pieces this member holds (a mirror that took over)
        String digest = at.whole == null ? null : Digests.format(at.whole);
        String want = expectedDigest;
        if (want != null && digest != null && !want.equals(digest)) {
            LOG.warning(() -> "task " + taskId + ": digest mismatch, expected " + want + " got " + digest
                    + "; data deleted");
            cdn.delete(taskId);
            fail(taskId, "digest_mismatch", "content digest " + digest + " does not match expected " + want, 502);
            return;
        }
        // kept for a restart before it is SUCCESS: once the grid says SUCCESS, the copy survives a restart
        boolean kept = keep(taskId, displayUrl, total, pieceSize, digest, expectedDigest);
        long finalTotal = total;
        TaskStatus status = store.update(taskId, r -> {
            if (r == null) {
                return Result.of(null, null);
            }
            r.originFinished(finalTotal, digest);
            return Result.of(r, r.status());
        });
        LOG.info(() -> "task " + taskId + ": back-to-source done, " + finalTotal + " bytes");
        if (kept && status != TaskStatus.SUCCESS) {
            cdn.forgetMeta(taskId);
        }
    }

    /**
     * Writes {@code meta.json} when this member holds every piece (a resumed fetch holds them only when it
     * was the mirror of the member that died: else its first pieces are on other members and peers), so a
     * restarted member serves the copy again.
     */
    private boolean keep(String taskId, String displayUrl, long length, int pieceSize, String fileDigest,
                         String expectedDigest) {
        Optional<List<String>> digests = cdn.allDigests(taskId, io.dfly.core.piece.PieceSizeRule.pieceCount(length, pieceSize));
        if (digests.isEmpty()) {
            return false;
        }
        try {
            cdn.writeMeta(new CdnStore.TaskMeta(taskId, displayUrl, length, pieceSize, digests.get(), fileDigest,
                    expectedDigest, true));
            return true;
        } catch (IOException e) {
            String why = SafeText.scrub(String.valueOf(e.getMessage()));
            LOG.warning(() -> "task " + taskId + ": served, but not kept for a restart: " + why);
            return false;
        }
    }

    /** Whether every piece handed over was published; rethrows the publisher's IOException. */
    private static boolean awaitPublisher(CompletableFuture<Boolean> published) throws IOException {
        try {
            return published.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while publishing");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IOException(cause);
        }
    }

    /**
     * The publisher: takes the pieces in order, hashes and writes each one, returns its buffer, and
     * publishes it (the last piece only once the length is final), then copies it to the mirror
     * ({@link PieceMirror}) and waits for that before the next piece. Completes with true once
     * {@link #END} arrives, false if it stopped early because the origin's content changed (the
     * task then FAILED), exceptionally if a write failed. The reader stops handing over pieces
     * once it has completed.
     */
    private void publish(String taskId, FileChannel ch, int pieceSize, BlockingQueue<byte[]> free, BlockingQueue<Chunk> ready,
                         CompletableFuture<Boolean> published) {
        String sourceId = self.sourceId();
        PieceMirror.Target copyTo = mirror.target();
        String mirrorName = copyTo == null ? null : copyTo.describe();
        int copied = 0;
        long copyNanos = 0;
        try {
            while (true) {
                Chunk c = ready.take();
                if (c == END) {
                    if (mirrorName != null) {
                        int n = copied;
                        long ms = copied == 0 ? 0 : copyNanos / copied / 1_000_000;
                        LOG.info(() -> "task " + taskId + ": copied " + n + " piece(s) to mirror " + mirrorName
                                + ", " + ms + " ms each");
                    }
                    published.complete(true);
                    return;
                }
                String digest = Digests.sha256(c.buf(), 0, c.length());
                // the mirror's copy is taken before the buffer goes back to the reader
                byte[] copy = copyTo == null ? null : java.util.Arrays.copyOf(c.buf(), c.length());
                try {
                    cdn.writePiece(ch, taskId, c.piece(), c.buf(), c.length(), digest);
                } finally {
                    free.add(c.buf());
                }
                if (c.last()) {
                    // last piece: the length must be final before it is shared
                    long finalTotal = c.totalAfter();
                    store.update(taskId, r -> {
                        if (r != null && r.swarm() != null && r.contentLength() < 0) {
                            r.originFinished(finalTotal, null);
                        }
                        return Result.of(r, null);
                    });
                }
                int p = c.piece();
                Boolean shared = store.update(taskId, r -> r == null ? Result.of(null, false)
                        : Result.of(r, r.piecePublished(sourceId, p, digest)));
                if (!Boolean.TRUE.equals(shared)) {
                    cdn.delete(taskId);
                    fail(taskId, "origin_changed", "piece " + p + " from the origin differs from the one shared earlier", 502);
                    published.complete(false);
                    return;
                }
                signals.signal(taskId);
                if (copyTo != null) {
                    long t0 = System.nanoTime();
                    if (mirrorPiece(taskId, copyTo, pieceSize, c.piece(), copy, digest)) {
                        copied++;
                        copyNanos += System.nanoTime() - t0;
                    } else {
                        copyTo = null;
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            published.completeExceptionally(new InterruptedIOException("interrupted while publishing"));
        } catch (IOException | RuntimeException | Error e) {
            published.completeExceptionally(e);
        }
    }

    /**
     * Copies one published piece to the mirror and waits for it (the reader meanwhile fills the other piece
     * buffers, so it stays at most {@link #PIPELINE_BUFFERS} pieces ahead of the mirror). Returns false when
     * this fetch stops mirroring (the mirror refused or is unreachable: one INFO line; the fetch goes on).
     */
    private boolean mirrorPiece(String taskId, PieceMirror.Target to, int pieceSize, int piece, byte[] data,
                                String digest) throws InterruptedException {
        String why;
        try {
            if (to.copy(taskId, pieceSize, piece, data, digest)) {
                return true;
            }
            why = "refused piece " + piece;
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            why = "unreachable at piece " + piece + " (" + e.getClass().getSimpleName() + ")";
        }
        String w = why;
        LOG.info(() -> "task " + taskId + ": mirror " + to.describe() + " " + w + "; this fetch stops copying its pieces there");
        return false;
    }

    /**
     * Reads up to {@code length} bytes (less only at the end of the body). Under an origin rate limit it reads
     * in steps of {@link #PACE_STEP}, pacing after each: a reader that took a whole piece at once and then slept
     * would teach the kernel to grow the socket's receive buffer to tens of MiB, all of it sent by the origin
     * ahead of the reader and lost if this member dies.
     */
    private int readPaced(InputStream in, byte[] buf, int length, long started, long fetchedBefore) throws IOException {
        if (rateLimitBytesPerSecond <= 0) {
            return in.readNBytes(buf, 0, length);
        }
        int done = 0;
        while (done < length) {
            int n = in.readNBytes(buf, done, Math.min(PACE_STEP, length - done));
            if (n <= 0) {
                break;
            }
            done += n;
            pace(started, fetchedBefore + done);
        }
        return done;
    }

    private void pace(long startedNanos, long bytes) {
        if (rateLimitBytesPerSecond <= 0) {
            return;
        }
        long dueNanos = startedNanos + bytes * 1_000_000_000L / rateLimitBytesPerSecond;
        long wait = dueNanos - System.nanoTime();
        if (wait > 0) {
            try {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Why the origin policy refuses {@code url} (nothing is fetched), or empty when it may be fetched. */
    public Optional<String> refusal(String url) {
        return origin.refusal(url);
    }

    /**
     * This member is shutting down: a fetch cut short by that must not mark the task FAILED (a
     * surviving member takes it over).
     */
    public void shutdown() {
        stopping = true;
    }

    private void deleteQuietly(String taskId) {
        try {
            cdn.delete(taskId);
        } catch (RuntimeException e) {
            LOG.warning(() -> "task " + taskId + ": cannot delete its partial copy: " + SafeText.scrub(String.valueOf(e.getMessage())));
        }
    }

    private void fail(String taskId, String code, String reason, int httpStatus) {
        if (stopping) {
            return;
        }
        long now = clock.getAsLong();
        store.update(taskId, r -> {
            if (r != null) {
                r.fail(code, reason, httpStatus, now);
            }
            return Result.of(r, null);
        });
        signals.signal(taskId);
    }

    private static void close(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }
}
