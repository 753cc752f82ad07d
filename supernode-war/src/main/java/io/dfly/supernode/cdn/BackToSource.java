package io.dfly.supernode.cdn;

import io.dfly.core.piece.Digests;
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
 */
public final class BackToSource {
    private static final Logger LOG = Logger.getLogger(BackToSource.class.getName());
    /**
     * Piece buffers per running fetch (each one piece, up to 15 MiB, reused): one being read, the
     * others waiting for or being published.
     */
    static final int PIPELINE_BUFFERS = 3;

    private final TaskStore store;
    private final OriginHeaderStore headers;
    private final CdnStore cdn;
    private final OriginClient origin;
    private final SeedIdentity self;
    private final SupernodeMetrics metrics;
    private final ExecutorService executor;
    private final LongSupplier clock;
    private final long rateLimitBytesPerSecond;
    private final TaskSignals signals;
    private final GridSeal seal;
    private volatile boolean stopping;

    /**
     * @param executor runs each fetch, and its publisher (two threads per running fetch)
     * @param signals  signalled for every change a fetch makes to a task (shared with the task service)
     * @param secret   the cluster secret (opens the task's sealed URL)
     */
    public BackToSource(TaskStore store, OriginHeaderStore headers, CdnStore cdn, OriginClient origin, SeedIdentity self,
                        SupernodeMetrics metrics, ExecutorService executor, LongSupplier clock,
                        long rateLimitBytesPerSecond, TaskSignals signals, ClusterSecret secret) {
        this.store = store;
        this.headers = headers;
        this.cdn = cdn;
        this.origin = origin;
        this.self = self;
        this.metrics = metrics;
        this.executor = executor;
        this.clock = clock;
        this.rateLimitBytesPerSecond = rateLimitBytesPerSecond;
        this.signals = signals;
        this.seal = new GridSeal(secret);
    }

    /**
     * Starts fetching in the background, from the first piece nobody has published yet. The future
     * completes once the origin's answer is known (the task is then RUNNING or FAILED).
     */
    public CompletableFuture<Void> start(String taskId) {
        CompletableFuture<Void> answered = new CompletableFuture<>();
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
        return answered;
    }

    private void run(String taskId, CompletableFuture<Void> answered) {
        TaskRecord rec = store.get(taskId).orElse(null);
        if (rec == null) {
            return;
        }
        int startPiece = rec.firstPieceToFetch();
        long startByte = (long) startPiece * rec.pieceSize();
        if (startPiece > 0 && rec.pieceCount() >= 0 && startPiece >= rec.pieceCount()) {
            // every piece is published and held by someone: nothing left to fetch
            long length = rec.contentLength();
            store.update(taskId, r -> {
                if (r != null) {
                    r.originFinished(length, null);
                }
                return Result.of(r, null);
            });
            return; // start() signals the task when the fetch ends, however it ends
        }
        String url = seal.openUrl(rec.sealedUrl(), taskId);
        String displayUrl = rec.displayUrl();
        // only the headers given for the URL this task fetches (after a restart, not the failed URL's)
        String urlKey = rec.urlKey();
        Map<String, String> originHeaders = headers.get(taskId).map(h -> h.forUrl(urlKey)).orElse(Map.of());
        OriginClient.OriginResponse resp;
        try {
            resp = origin.open(url, originHeaders, startByte, null);
        } catch (OriginFailure f) {
            LOG.warning(() -> "task " + taskId + ": " + f.getMessage());
            fail(taskId, f.code(), f.getMessage(), f.httpStatus());
            return;
        }
        long length = startByte > 0 ? rec.contentLength() : resp.contentLength();
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
                + (startPiece > 0 ? " resuming at piece " + startPiece : "") + ", length " + length
                + ", piece size " + pieceSize);
        try (InputStream in = resp.body(); FileChannel ch = cdn.openForWrite(taskId, pieceSize)) {
            cdn.writing(taskId, true);
            try {
                copy(taskId, in, ch, resp.status() == 200 ? startByte : 0, startPiece, pieceSize, length,
                        startPiece == 0 ? current.expectedDigest() : null);
            } finally {
                cdn.writing(taskId, false);
            }
        } catch (IOException e) {
            String why = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + SafeText.scrub(e.getMessage()));
            LOG.warning(() -> "task " + taskId + ": origin body failed: " + why);
            fail(taskId, "origin_error", "origin body failed: " + why, 502);
        }
    }

    /** One piece read from the origin, handed to the publisher; {@link #END} ends the fetch. */
    private record Chunk(byte[] buf, int piece, int length, long totalAfter, boolean last) {
    }

    private static final Chunk END = new Chunk(null, -1, 0, 0, false);

    /**
     * Reads pieces from the origin on this thread while one publisher thread hashes, writes and
     * publishes the ones already read, in order.
     */
    private void copy(String taskId, InputStream in, FileChannel ch, long skip, int startPiece, int pieceSize,
                      long length, String expectedDigest) throws IOException {
        if (skip > 0) {
            in.skipNBytes(skip);
        }
        MessageDigest whole = startPiece == 0 ? Digests.newSha256() : null;
        BlockingQueue<byte[]> free = new ArrayBlockingQueue<>(PIPELINE_BUFFERS);
        // room for every buffer plus the end marker: handing over never blocks
        BlockingQueue<Chunk> ready = new ArrayBlockingQueue<>(PIPELINE_BUFFERS + 1);
        CompletableFuture<Boolean> published = new CompletableFuture<>();
        executor.execute(() -> publish(taskId, ch, free, ready, published));
        int allocated = 0;
        int piece = startPiece;
        long total = (long) startPiece * pieceSize;
        long started = System.nanoTime();
        long fetched = 0;
        boolean complete = false;
        try {
            while (true) {
                if (published.isDone()) {
                    // the publisher stopped (origin changed, or a write failed): it said why
                    break;
                }
                byte[] buf = free.poll();
                if (buf == null && allocated < PIPELINE_BUFFERS) {
                    buf = new byte[pieceSize];
                    allocated++;
                }
                while (buf == null && !published.isDone()) {
                    buf = free.poll(50, TimeUnit.MILLISECONDS);
                }
                if (buf == null) {
                    break;
                }
                int n = in.readNBytes(buf, 0, pieceSize);
                if (n == 0 && piece > 0) {
                    // only an empty file has an empty (first and only) piece
                    complete = true;
                    break;
                }
                if (whole != null) {
                    whole.update(buf, 0, n);
                }
                metrics.bytesFromOrigin.addAndGet(n);
                total += n;
                fetched += n;
                boolean last = n < pieceSize || (length >= 0 && total >= length);
                ready.add(new Chunk(buf, piece, n, total, last));
                piece++;
                pace(started, fetched);
                if (last) {
                    complete = true;
                    break;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while fetching");
        } finally {
            ready.add(END);
            // every piece read is published (or the publisher stopped) before anything else happens
            complete &= awaitPublisher(published);
        }
        if (!complete) {
            return;
        }
        if (length >= 0 && total != length) {
            fail(taskId, "origin_error", "origin sent " + total + " bytes, announced " + length, 502);
            return;
        }
        String digest = whole == null ? null : Digests.format(whole);
        if (expectedDigest != null && digest != null && !expectedDigest.equals(digest)) {
            LOG.warning(() -> "task " + taskId + ": digest mismatch, expected " + expectedDigest + " got " + digest
                    + "; data deleted");
            cdn.delete(taskId);
            fail(taskId, "digest_mismatch", "content digest " + digest + " does not match expected " + expectedDigest, 502);
            return;
        }
        long finalTotal = total;
        store.update(taskId, r -> {
            if (r != null) {
                r.originFinished(finalTotal, digest);
            }
            return Result.of(r, null);
        });
        LOG.info(() -> "task " + taskId + ": back-to-source done, " + finalTotal + " bytes");
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
     * publishes it (the last piece only once the length is final). Completes with true once
     * {@link #END} arrives, false if it stopped early because the origin's content changed (the
     * task then FAILED), exceptionally if a write failed. The reader stops handing over pieces
     * once it has completed.
     */
    private void publish(String taskId, FileChannel ch, BlockingQueue<byte[]> free, BlockingQueue<Chunk> ready,
                         CompletableFuture<Boolean> published) {
        String sourceId = self.sourceId();
        try {
            while (true) {
                Chunk c = ready.take();
                if (c == END) {
                    published.complete(true);
                    return;
                }
                String digest = Digests.sha256(c.buf(), 0, c.length());
                cdn.writePiece(ch, taskId, c.piece(), c.buf(), c.length(), digest);
                free.add(c.buf());
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
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            published.completeExceptionally(new InterruptedIOException("interrupted while publishing"));
        } catch (IOException | RuntimeException | Error e) {
            published.completeExceptionally(e);
        }
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
