package io.dfly.engine;

import io.dfly.core.config.HostPort;
import io.dfly.core.download.DownloadException;
import io.dfly.core.download.DownloadProgress;
import io.dfly.core.download.DownloadRequest;
import io.dfly.core.download.DownloadResult;
import io.dfly.core.piece.Digests;
import io.dfly.core.piece.PieceSizeRule;
import io.dfly.core.protocol.PieceAssignment;
import io.dfly.core.protocol.PieceReport;
import io.dfly.core.protocol.PieceSet;
import io.dfly.core.protocol.PullRequest;
import io.dfly.core.protocol.PullResponse;
import io.dfly.core.protocol.RegisterRequest;
import io.dfly.core.security.SafeUrls;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One download of one task on this host, shared by every caller that asked for it. Runs the loop of
 * docs/PROTOCOL.md (register, pull, fetch, verify, write, report, until DONE), falls back to the origin
 * when P2P is impossible, and wakes {@link OrderedPieceStream}s as pieces land.
 */
final class TaskDownload {
    static final Logger LOG = Logger.getLogger("io.dfly.engine");
    /** A source that failed this many pieces for us is not fetched from again by this task. */
    static final int LOCAL_SOURCE_FAILURE_LIMIT = 3;
    private static final long STALL_TIMEOUT_MS = 120_000;

    final String taskId;
    final DownloadRequest request;
    private final P2PEngine engine;
    private final Object signal = new Object();
    private final CompletableFuture<DownloadResult> completion = new CompletableFuture<>();
    private final LongAdder completedBytes = new LongAdder();
    private final LongAdder fromPeers = new LongAdder();
    private final LongAdder fromSupernode = new LongAdder();
    private final LongAdder fromOrigin = new LongAdder();
    private final Map<String, Integer> sourceFailures = new ConcurrentHashMap<>();
    private final Set<Integer> inflight = ConcurrentHashMap.newKeySet();
    /** The whole file's sha256, computed in order while pieces land (so the end needs no second pass). */
    private final InOrderDigest fileDigest = new InOrderDigest();
    private volatile StoredTask stored;
    private volatile long contentLength = -1;
    private volatile String expectedDigest;
    private volatile Throwable failure;
    private volatile boolean succeeded;
    private volatile boolean cancelled;
    private volatile boolean fellBack;
    private volatile HostPort supernode;
    private volatile String remoteTaskId;
    private volatile long lastProgress = System.currentTimeMillis();
    int refs = 1; // guarded by the engine

    TaskDownload(P2PEngine engine, String taskId, DownloadRequest request) {
        this.engine = engine;
        this.taskId = taskId;
        this.request = request;
        this.expectedDigest = request.digest() == null || request.digest().isBlank() ? null : request.digest();
    }

    /** A download already complete in the local store (found again, e.g. after a restart). */
    static TaskDownload completed(P2PEngine engine, String taskId, DownloadRequest request, StoredTask stored) {
        TaskDownload d = new TaskDownload(engine, taskId, request);
        d.stored = stored;
        d.contentLength = stored.contentLength();
        d.completedBytes.add(stored.contentLength());
        d.succeeded = true;
        d.completion.complete(d.result(stored.fileDigest()));
        return d;
    }

    // ---- state read by handles and streams ----

    CompletableFuture<DownloadResult> completion() { return completion; }
    StoredTask stored() { return stored; }
    long contentLength() { return contentLength; }
    boolean succeeded() { return succeeded; }
    Throwable failure() { return failure; }
    boolean isFailed() { return failure != null; }

    /** Number of pieces once the length is known, else -1. */
    int pieceCount() {
        StoredTask s = stored;
        long len = contentLength;
        if (s == null || len < 0) {
            return -1;
        }
        return PieceSizeRule.pieceCount(len, s.pieceSize());
    }

    DownloadProgress progress() {
        return new DownloadProgress(completedBytes.sum(), contentLength, fromPeers.sum(), fromSupernode.sum(), fromOrigin.sum());
    }

    /** Waits at most {@code millis} for a piece to land or the download to end. */
    void awaitChange(long millis) throws InterruptedException {
        synchronized (signal) {
            signal.wait(millis);
        }
    }

    private void wake() {
        synchronized (signal) {
            signal.notifyAll();
        }
    }

    void cancel() {
        cancelled = true;
        wake();
    }

    // ---- the download ----

    void run() {
        engine.metrics.downloadsStarted.increment();
        DownloadResult result = null;
        Throwable reason = null;
        try {
            result = download();
            succeeded = true;
            engine.metrics.downloadsSucceeded.increment();
        } catch (Throwable t) {
            reason = t instanceof InterruptedException || cancelled
                    ? new CancellationException("download of " + SafeUrls.display(request.url()) + " was cancelled") : t;
            failure = reason;
            engine.metrics.downloadsFailed.increment();
            StoredTask s = stored;
            if (s != null && !s.isComplete()) {
                engine.store.delete(s.taskId());
            }
            if (supernode != null && remoteTaskId != null) {
                engine.supernodes.leave(supernode, remoteTaskId, engine.config.peerId());
            }
            if (!(reason instanceof CancellationException)) {
                LOG.log(Level.FINE, "download of " + SafeUrls.display(request.url()) + " failed", reason);
            }
        }
        // no longer running before anyone hears the outcome (a new start() finds the stored file or starts afresh)
        engine.finished(this);
        wake();
        if (reason == null) {
            completion.complete(result);
        } else {
            completion.completeExceptionally(reason);
        }
    }

    private DownloadResult download() throws Exception {
        RegisterRequest reg = new RegisterRequest(request.url(), request.headers() == null ? Map.of() : request.headers(),
                expectedDigest, request.identifier(), engine.config.peerId(), engine.advertisedUrl());
        SupernodeClient.Registration registration;
        try {
            registration = engine.supernodes.register(reg, null);
        } catch (SupernodeUnreachableException e) {
            return backToSource(e.getMessage(), "supernode " + e.addresses() + " unreachable — check "
                    + engine.config.supernodesSetting() + " / dfly.supernode.advertise-ip; downloading from origin");
        } catch (SupernodeRefusedException e) {
            return backToSource(e.getMessage(), e.getMessage() + "; downloading from origin");
        } catch (DownloadException e) {
            if (e.kind() == DownloadException.Kind.ORIGIN_ERROR || e.kind() == DownloadException.Kind.INTERNAL) {
                return backToSource(e.getMessage(), e.getMessage() + " — check the supernode's log and its access to the"
                        + " origin; downloading from origin");
            }
            throw e;
        }
        return p2p(reg, registration);
    }

    private DownloadResult p2p(RegisterRequest reg, SupernodeClient.Registration registration) throws Exception {
        supernode = registration.supernode();
        remoteTaskId = registration.response().taskId();
        if (!remoteTaskId.equals(taskId)) {
            LOG.fine("supernode uses task id " + remoteTaskId + " for local task " + taskId);
        }
        engine.registered(supernode, remoteTaskId);
        contentLength = registration.response().contentLength();
        int pieceSize = registration.response().pieceSize() > 0 ? registration.response().pieceSize()
                : PieceSizeRule.pieceSize(contentLength);
        stored = engine.store.create(remoteTaskId, contentLength, pieceSize);
        int pullErrors = 0;
        while (true) {
            checkCancelled();
            if (System.currentTimeMillis() - lastProgress > STALL_TIMEOUT_MS) {
                drainInflight();
                return backToSource("no piece arrived for " + STALL_TIMEOUT_MS / 1000 + "s",
                        "P2P download of task " + remoteTaskId + " made no progress for " + STALL_TIMEOUT_MS / 1000
                                + "s — check that peers can reach each other (dfly.dfdaemon.advertise-ip); downloading from origin");
            }
            int free = engine.config.pieceParallelism() - inflight.size();
            if (free <= 0) {
                awaitChange(200);
                continue;
            }
            PullResponse pr;
            try {
                pr = engine.supernodes.pull(supernode, remoteTaskId,
                        new PullRequest(engine.config.peerId(), PieceSet.encode(stored.haveCopy()), free));
                pullErrors = 0;
            } catch (DownloadException e) {
                // e.g. the supernode restarted and forgot the task, or no longer knows our secret
                drainInflight();
                return backToSource(e.getMessage(), e.getMessage() + (e instanceof SupernodeRefusedException ? ""
                        : " — check the supernode's log") + "; downloading from origin");
            } catch (IOException e) {
                if (++pullErrors < 3) {
                    Thread.sleep(300);
                    continue;
                }
                HostPort lost = supernode;
                if (engine.supernodes.supernodes().size() > 1) {
                    try {
                        SupernodeClient.Registration again = engine.supernodes.register(reg, lost);
                        LOG.warning("supernode " + lost + " stopped answering; continuing with supernode " + again.supernode());
                        supernode = again.supernode();
                        remoteTaskId = again.response().taskId();
                        engine.registered(supernode, remoteTaskId);
                        pullErrors = 0;
                        continue;
                    } catch (SupernodeUnreachableException | DownloadException ignored) {
                        // fall back below
                    }
                }
                drainInflight();
                return backToSource("supernode " + lost + " stopped answering (" + SupernodeClient.describe(e) + ")",
                        "supernode " + lost + " stopped answering — check " + engine.config.supernodesSetting()
                                + " and the supernode process; downloading from origin");
            }
            if (pr.contentLength() >= 0) {
                contentLength = pr.contentLength();
                stored.contentLength(pr.contentLength());
            }
            if (pr.fileDigest() != null && expectedDigest == null) {
                expectedDigest = pr.fileDigest();
            }
            switch (pr.action()) {
                case ASSIGNED -> {
                    int started = 0;
                    if (pr.pieces() != null) {
                        for (PieceAssignment a : pr.pieces()) {
                            started += assign(a) ? 1 : 0;
                        }
                    }
                    if (started == 0) {
                        awaitChange(50); // only pieces already in flight: don't spin
                    }
                }
                case WAIT -> awaitChange(Math.max(10, Math.min(pr.waitMillis() <= 0 ? 200 : pr.waitMillis(), 1000)));
                case DONE -> {
                    drainInflight();
                    return finish();
                }
                case FAILED -> {
                    drainInflight();
                    String why = pr.reason() == null ? "no reason given" : pr.reason();
                    return backToSource("supernode " + supernode + " reported the task FAILED: " + why,
                            "supernode " + supernode + " reported task " + remoteTaskId + " FAILED (" + why
                                    + ") — check the supernode's log and its access to the origin; downloading from origin");
                }
                default -> throw new DownloadException(DownloadException.Kind.INTERNAL, "unknown pull action " + pr.action());
            }
        }
    }

    /** Starts fetching an assigned piece; false when it is already here or in flight. */
    private boolean assign(PieceAssignment a) {
        if (stored.has(a.pieceNum()) || !inflight.add(a.pieceNum())) {
            return false;
        }
        String source = a.sourcePeerId();
        if (!isSupernode(source) && sourceFailures.getOrDefault(source, 0) >= LOCAL_SOURCE_FAILURE_LIMIT) {
            engine.executor.execute(() -> {
                report(a, false, "source " + source + " avoided after " + LOCAL_SOURCE_FAILURE_LIMIT + " failures");
                inflight.remove(a.pieceNum());
                wake();
            });
            return true;
        }
        engine.executor.execute(() -> fetch(a));
        return true;
    }

    private void fetch(PieceAssignment a) {
        try {
            MessageDigest whole = fileDigest.startPiece(a.pieceNum());
            int length = engine.fetcher.fetchInto(a, stored, whole);
            if (whole != null) {
                fileDigest.offerPiece(a.pieceNum(), length, whole);
            }
            completedBytes.add(length);
            if (isSupernode(a.sourcePeerId())) {
                fromSupernode.add(length);
                engine.metrics.bytesFromSupernode.add(length);
            } else {
                fromPeers.add(length);
                engine.metrics.bytesFromPeers.add(length);
            }
            lastProgress = System.currentTimeMillis();
            inflight.remove(a.pieceNum());
            wake();
            report(a, true, null);
            try {
                fileDigest.advance(stored);
            } catch (IOException e) {
                LOG.log(Level.FINE, "hashing task " + remoteTaskId + " in order stopped", e); // finish() says why
            }
        } catch (PieceFetchException e) {
            engine.metrics.piecesFailed.increment();
            sourceFailures.merge(a.sourcePeerId(), 1, Integer::sum);
            LOG.fine("piece " + a.pieceNum() + " of task " + remoteTaskId + " rejected: " + e.getMessage());
            report(a, false, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            LOG.log(Level.FINE, "cannot store piece " + a.pieceNum(), e);
            report(a, false, "cannot store the piece locally: " + e.getMessage());
        } finally {
            inflight.remove(a.pieceNum());
            wake();
        }
    }

    private void report(PieceAssignment a, boolean success, String reason) {
        try {
            engine.supernodes.report(supernode, remoteTaskId,
                    new PieceReport(engine.config.peerId(), a.pieceNum(), a.sourcePeerId(), success, reason));
        } catch (IOException e) {
            LOG.log(Level.FINE, "report to " + supernode + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static boolean isSupernode(String peerId) {
        return peerId != null && peerId.startsWith("supernode:");
    }

    private void drainInflight() throws InterruptedException {
        while (!inflight.isEmpty()) {
            awaitChange(100);
        }
    }

    private void checkCancelled() {
        if (cancelled) {
            throw new CancellationException("download of " + SafeUrls.display(request.url()) + " was cancelled");
        }
    }

    /** Every piece is here: check the whole file and make it permanent. */
    private DownloadResult finish() throws IOException, DownloadException {
        long len = contentLength;
        if (len < 0) {
            throw new DownloadException(DownloadException.Kind.INTERNAL, "supernode said DONE but never the file length");
        }
        int count = PieceSizeRule.pieceCount(len, stored.pieceSize());
        if (stored.piecesHeld() < count) {
            throw new DownloadException(DownloadException.Kind.INTERNAL, "supernode said DONE with "
                    + stored.piecesHeld() + " of " + count + " pieces here");
        }
        String digest = fileDigest.finish(stored, len);
        verify(digest);
        stored.markComplete(len, digest);
        return result(digest);
    }

    private void verify(String actual) throws DownloadException {
        String want = expectedDigest;
        if (want != null && !want.equals(actual)) {
            throw new DownloadException(DownloadException.Kind.DIGEST_MISMATCH,
                    "digest mismatch for " + SafeUrls.display(request.url()) + ": got " + actual + ", want " + want);
        }
    }

    private DownloadResult result(String digest) {
        return new DownloadResult(stored.taskId(), stored.dataFile(), contentLength, digest, progress(), fellBack);
    }

    // ---- back-to-source ----

    private DownloadResult backToSource(String reason, String warnLine) throws Exception {
        if (!request.backToSource()) {
            throw new DownloadException(DownloadException.Kind.NO_SOURCE, reason + "; back-to-source is disabled — check "
                    + engine.config.supernodesSetting());
        }
        checkCancelled();
        LOG.warning(warnLine);
        engine.metrics.fallbacks.increment();
        fellBack = true;
        OriginFetcher.Opened opened = engine.origin.open(request.url(), request.headers());
        try (InputStream in = opened.body()) {
            if (opened.contentLength() >= 0) {
                contentLength = opened.contentLength();
            }
            if (stored == null) {
                stored = engine.store.create(taskId, opened.contentLength(), PieceSizeRule.pieceSize(opened.contentLength()));
            }
            if (opened.contentLength() >= 0) {
                stored.contentLength(opened.contentLength());
            }
            int pieceSize = stored.pieceSize();
            MessageDigest whole = Digests.newSha256();
            byte[] buf = new byte[pieceSize];
            long total = 0;
            int piece = 0;
            while (true) {
                checkCancelled();
                int filled = readPiece(in, buf);
                if (filled == 0 && piece > 0) {
                    break;
                }
                whole.update(buf, 0, filled);
                if (!stored.has(piece)) {
                    stored.writePiece(piece, buf, filled, Digests.sha256(buf, 0, filled));
                    completedBytes.add(filled);
                    fromOrigin.add(filled);
                    engine.metrics.bytesFromOrigin.add(filled);
                }
                total += filled;
                piece++;
                wake();
                if (filled < pieceSize) {
                    break;
                }
            }
            if (opened.contentLength() >= 0 && total != opened.contentLength()) {
                throw new DownloadException(DownloadException.Kind.ORIGIN_ERROR, "origin sent " + total + " of "
                        + opened.contentLength() + " bytes");
            }
            contentLength = total;
            stored.contentLength(total);
            String digest = Digests.format(whole);
            verify(digest);
            stored.markComplete(total, digest);
            return result(digest);
        }
    }

    /** Reads up to buf.length bytes, paced by the download limit; fewer only at the end of the body. */
    private int readPiece(InputStream in, byte[] buf) throws IOException, InterruptedException {
        int pos = 0;
        while (pos < buf.length) {
            int want = Math.min(64 * 1024, buf.length - pos);
            engine.downloadBucket.acquire(want);
            int n = in.read(buf, pos, want);
            if (n < 0) {
                break;
            }
            pos += n;
        }
        return pos;
    }
}
