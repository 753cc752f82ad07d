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
import io.dfly.core.protocol.PullAction;
import io.dfly.core.protocol.PullRequest;
import io.dfly.core.protocol.PullResponse;
import io.dfly.core.protocol.RegisterRequest;
import io.dfly.core.security.SafeUrls;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
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
    /**
     * After an answer with fewer pieces than asked for (the supernode has nothing more for us now), how long the
     * loop waits for one of its fetches to end before it asks again: then its next pull carries that fetch's report
     * (one request for both) instead of a pull held on the supernode meanwhile, which would make the report a
     * request of its own. A new piece appearing on the supernode meanwhile is learnt at most this late.
     */
    static final long LINGER_MILLIS = 100;
    /** How long past its deadline a fetch is waited for before the download abandons it. */
    static final long ABANDON_GRACE_NANOS = 2_000_000_000L;

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
    /** Fetches under way, by piece; each ends by its deadline (or is abandoned soon after). */
    private final Map<Integer, Inflight> inflight = new ConcurrentHashMap<>();
    /** Piece reports waiting for the next pull (docs/PROTOCOL.md, "Engine loop"). */
    private final PendingReports pendingReports = new PendingReports();
    /** The whole file's sha256, computed in order while pieces land (so the end needs no second pass). */
    private final InOrderDigest fileDigest = new InOrderDigest();
    private volatile StoredTask stored;
    private volatile long contentLength = -1;
    private volatile String expectedDigest;
    private volatile Throwable failure;
    private volatile boolean succeeded;
    private volatile boolean cancelled;
    private volatile boolean fellBack;
    /** A write to the local store failed (the disk is full, ...): the download ends with this. */
    private volatile DownloadException storeFailure;
    /** Why this download's pieces were dropped (told to streams that had read some of them). */
    private volatile String dropReason;
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
    String dropReason() { return dropReason; }
    boolean isFailed() { return failure != null; }

    /** The ids this download is known by: the local one and the supernode's (usually the same). */
    Set<String> taskIds() {
        String remote = remoteTaskId;
        return remote == null || remote.equals(taskId) ? Set.of(taskId) : Set.of(taskId, remote);
    }

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
        long started = System.nanoTime();
        DownloadResult result = null;
        Throwable reason = null;
        try {
            result = download();
            succeeded = true;
            engine.metrics.downloadsSucceeded.increment();
        } catch (Throwable t) {
            reason = t instanceof InterruptedException || cancelled
                    ? new CancellationException("download of " + SafeUrls.display(request.url()) + " was cancelled") : t;
            engine.metrics.downloadsFailed.increment();
            StoredTask s = stored;
            if (s != null && !s.isComplete()) {
                engine.store.delete(s.taskId()); // nothing partial is left, nothing of it is served
            }
            abandonInflight();
            failure = reason; // after the cleanup: a new start() of the task then begins afresh
            if (supernode != null && remoteTaskId != null) {
                engine.supernodes.leave(supernode, remoteTaskId, engine.config.peerId());
            }
            for (String id : taskIds()) {
                engine.forget(id, this);
            }
            if (!(reason instanceof CancellationException)) {
                LOG.log(Level.FINE, "download of " + SafeUrls.display(request.url()) + " failed", reason);
            }
        }
        engine.metrics.downloadTime.recordSince(started);
        // no longer running before anyone hears the outcome (a new start() finds the stored file or starts afresh)
        engine.finished(this);
        wake();
        if (reason == null) {
            completion.complete(result);
            keepForRestart();
        } else {
            completion.completeExceptionally(reason);
        }
    }

    /**
     * After the callers have their answer: the verified file goes to disk ({@code fsync}) and is marked complete
     * there, so a restarted daemon has it. Not on the answer's path (an {@code fsync} costs milliseconds, and
     * nothing read before it is less verified); a failure here costs only the copy's survival of a restart.
     */
    private void keepForRestart() {
        StoredTask s = stored;
        if (s == null) {
            return;
        }
        try {
            s.keep();
        } catch (IOException e) {
            LOG.warning("task " + s.taskId() + " is downloaded and verified, but not kept for a restart: cannot write to "
                    + engine.config.dataDir() + " (" + engine.config.dataDirSetting() + "): "
                    + io.dfly.core.security.SafeText.scrub(String.valueOf(e.getMessage())));
        }
    }

    private DownloadResult download() throws Exception {
        RegisterRequest reg = new RegisterRequest(request.url(), request.headers() == null ? Map.of() : request.headers(),
                expectedDigest, request.identifier(), engine.config.peerId(), engine.advertisedUrl(),
                engine.config.pieceParallelism());
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
        try {
            return p2p(reg, registration);
        } finally {
            dropReports("the download ended"); // each way out of the loop has sent or dropped them already
        }
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
        stored = createStore(remoteTaskId, contentLength, pieceSize);
        boolean firstPullShort = startFirstPull(registration.response().firstPull());
        int pullErrors = 0;
        // see LINGER_MILLIS: a first pull that gave fewer pieces than slots is such an answer too (a one-piece file:
        // without it the loop's first pull is held on the supernode while that piece arrives, and its report waits)
        long lingerUntil = firstPullShort ? lingerDeadline() : 0;
        while (true) {
            checkCancelled();
            checkStore();
            reapOverdue();
            if (System.currentTimeMillis() - lastProgress > STALL_TIMEOUT_MS) {
                drainInflight();
                // the supernode answers: what arrived makes this peer a source of it, and frees its sources' slots
                pendingReports.close().forEach(this::send);
                return backToSource("no piece arrived for " + STALL_TIMEOUT_MS / 1000 + "s",
                        "P2P download of task " + remoteTaskId + " made no progress for " + STALL_TIMEOUT_MS / 1000
                                + "s — check that peers can reach each other (dfly.dfdaemon.advertise-ip); downloading from origin");
            }
            int free = engine.config.pieceParallelism() - inflight.size();
            if (free <= 0) {
                awaitChange(200);
                continue;
            }
            long linger = lingerUntil - System.nanoTime();
            if (linger > 0 && !inflight.isEmpty() && pendingReports.isEmpty()) {
                awaitChange(Math.max(1, linger / 1_000_000)); // a fetch that ends queues its report and wakes this
                continue;
            }
            lingerUntil = 0;
            PullResponse pr;
            List<PieceReport> riding = pendingReports.startPull();
            try {
                pr = engine.supernodes.pull(supernode, remoteTaskId, new PullRequest(engine.config.peerId(),
                        PieceSet.encode(stored.haveCopy()), free, riding.isEmpty() ? null : riding));
                pendingReports.endPull(List.of());
                pullErrors = 0;
            } catch (DownloadException e) {
                // e.g. the supernode restarted and forgot the task, or no longer knows our secret
                pendingReports.endPull(List.of());
                drainInflight();
                dropReports("the supernode refused the pull");
                return backToSource(e.getMessage(), e.getMessage() + (e instanceof SupernodeRefusedException ? ""
                        : " — check the supernode's log") + "; downloading from origin");
            } catch (IOException e) {
                pendingReports.endPull(riding); // perhaps never read: they go again with the next pull
                if (++pullErrors < 3) {
                    Thread.sleep(300);
                    continue;
                }
                HostPort lost = supernode;
                if (engine.supernodes.supernodes().size() > 1) {
                    try {
                        SupernodeClient.Registration again = engine.supernodes.register(reg.withoutFirstPull(), lost);
                        LOG.warning("supernode " + lost + " stopped answering; continuing with supernode " + again.supernode());
                        // reports of the lost one's assignments: another supernode may not know them (if it does, it
                        // assigns those pieces again and they are reported at once, held here)
                        int dropped = pendingReports.drain().size();
                        if (dropped > 0) {
                            LOG.fine(() -> dropped + " piece report(s) for supernode " + lost + " not sent: it stopped answering");
                        }
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
                dropReports("the supernode stopped answering");
                return backToSource("supernode " + lost + " stopped answering (" + SupernodeClient.describe(e) + ")",
                        "supernode " + lost + " stopped answering — check " + engine.config.supernodesSetting()
                                + " and the supernode process; downloading from origin");
            }
            if (pr.reportsRead() < riding.size()) {
                // a supernode older than reports in pulls dropped them: they (and every later one) go on their own
                pendingReports.stopRiding();
                riding.subList(Math.max(0, pr.reportsRead()), riding.size()).forEach(this::send);
            }
            learnFile(pr);
            if (isShort(pr, free)) {
                lingerUntil = lingerDeadline();
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
                    // DONE: the supernode counted a success for every piece; anything still queued is a repeat
                    dropReports("the supernode said DONE");
                    return finish();
                }
                case FAILED -> {
                    String why = pr.reason() == null ? "no reason given" : pr.reason();
                    // the supernode no longer vouches for the task's pieces: none of them is served from here
                    dropPieces("supernode " + supernode + " reported the task FAILED (" + why + "); its pieces were dropped");
                    drainInflight();
                    dropReports("the task FAILED");
                    return backToSource("supernode " + supernode + " reported the task FAILED: " + why,
                            "supernode " + supernode + " reported task " + remoteTaskId + " FAILED (" + why
                                    + ") — check the supernode's log and its access to the origin; downloading from origin");
                }
                default -> throw new DownloadException(DownloadException.Kind.INTERNAL, "unknown pull action " + pr.action());
            }
        }
    }

    /**
     * The pull the supernode answered together with the registration (a round trip less before the first piece):
     * what it says of the file is taken as a pull's is, and its assignments start now. Anything but ASSIGNED
     * starts nothing: the loop's first pull hears it again. True when it is {@linkplain #isShort short} of the
     * slots it asked for (the registration asks for piece-parallelism).
     */
    private boolean startFirstPull(PullResponse first) {
        if (first == null) {
            return false;
        }
        learnFile(first);
        if (first.action() == PullAction.ASSIGNED && first.pieces() != null) {
            for (PieceAssignment a : first.pieces()) {
                assign(a);
            }
        }
        return isShort(first, engine.config.pieceParallelism());
    }

    /** What a pull's answer says of the file: its length once known, and its digest if the request named none. */
    private void learnFile(PullResponse pr) {
        if (pr.contentLength() >= 0) {
            contentLength = pr.contentLength();
            stored.contentLength(pr.contentLength());
        }
        if (pr.fileDigest() != null && expectedDigest == null) {
            expectedDigest = pr.fileDigest();
        }
    }

    /** An answer with fewer assignments than the {@code asked} slots: the supernode has nothing more now (LINGER_MILLIS). */
    private static boolean isShort(PullResponse pr, int asked) {
        int got = pr.action() == PullAction.ASSIGNED && pr.pieces() != null ? pr.pieces().size() : 0;
        return (pr.action() == PullAction.WAIT || pr.action() == PullAction.ASSIGNED) && got < asked;
    }

    /** When a linger that starts now ends (System.nanoTime()). */
    private static long lingerDeadline() {
        return System.nanoTime() + LINGER_MILLIS * 1_000_000L;
    }

    /**
     * Acts on one assignment: starts its fetch, or, for a piece already here (the supernode did not know, e.g.
     * after a restart or a change of supernode), reports success at once without fetching. False when the
     * piece is already in flight (nothing to do).
     */
    private boolean assign(PieceAssignment a) {
        int n = a.pieceNum();
        if (inflight.containsKey(n)) {
            return false;
        }
        StoredTask into = stored;
        if (into.has(n)) {
            report(a, true, null);
            lastProgress = System.currentTimeMillis();
            return true;
        }
        String source = a.sourcePeerId();
        if (!isSupernode(source) && sourceFailures.getOrDefault(source, 0) >= LOCAL_SOURCE_FAILURE_LIMIT) {
            report(a, false, "source " + source + " avoided after " + LOCAL_SOURCE_FAILURE_LIMIT + " failures");
            return true;
        }
        Inflight f = new Inflight(a, into, engine.fetcher.start(a.length()));
        inflight.put(n, f);
        try {
            engine.executor.execute(() -> fetch(f));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            inflight.remove(n, f);
            f.fetch.abandon();
            throw new CancellationException("the engine is shutting down");
        }
        return true;
    }

    /** One piece being fetched: its assignment, the store it goes into, its deadline; reported once. */
    private static final class Inflight {
        final PieceAssignment assignment;
        final StoredTask into;
        final PieceFetcher.Fetch fetch;
        final AtomicBoolean reported = new AtomicBoolean();

        Inflight(PieceAssignment assignment, StoredTask into, PieceFetcher.Fetch fetch) {
            this.assignment = assignment;
            this.into = into;
            this.fetch = fetch;
        }
    }

    private void fetch(Inflight f) {
        PieceAssignment a = f.assignment;
        long started = System.nanoTime();
        try {
            MessageDigest whole = fileDigest.startPiece(a.pieceNum());
            int length = engine.fetcher.fetchInto(a, f.into, whole, f.fetch);
            if (whole != null) {
                fileDigest.offerPiece(a.pieceNum(), length, whole);
            }
            engine.metrics.pieceFetchTime.recordSince(started);
            completedBytes.add(length);
            if (isSupernode(a.sourcePeerId())) {
                fromSupernode.add(length);
                engine.metrics.bytesFromSupernode.add(length);
            } else {
                fromPeers.add(length);
                engine.metrics.bytesFromPeers.add(length);
            }
            lastProgress = System.currentTimeMillis();
            PendingReports.Offer report = queueReport(f, true, null); // queued before the slot frees: the next pull takes it
            inflight.remove(a.pieceNum(), f);
            wake();
            deliver(report);
            try {
                fileDigest.advance(f.into);
            } catch (IOException e) {
                LOG.log(Level.FINE, "hashing task " + remoteTaskId + " in order stopped", e); // finish() says why
            }
        } catch (PieceFetchException e) {
            if (f.fetch.abandoned()) {
                return; // already counted and reported when it was abandoned
            }
            engine.metrics.pieceFailed(e.cause());
            sourceFailures.merge(a.sourcePeerId(), 1, Integer::sum);
            LOG.fine("piece " + a.pieceNum() + " of task " + remoteTaskId + " rejected: " + e.getMessage());
            PendingReports.Offer report = queueReport(f, false, e.getMessage()); // with the next pull: reassigned
            inflight.remove(a.pieceNum(), f);
            wake();
            deliver(report);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // this host could not store the piece: not the source's fault, and the end of this download
            if (!f.into.isRemoved() && !cancelled && !f.fetch.abandoned()) {
                if (storeFailure == null) {
                    storeFailure = engine.storeFailure(e);
                }
                LOG.log(Level.FINE, "cannot store piece " + a.pieceNum() + " of task " + remoteTaskId, e);
            }
        } finally {
            inflight.remove(a.pieceNum(), f);
            wake();
        }
    }

    /** Reports a fetch's outcome once (from the loop's thread: with the next pull). */
    private void report(Inflight f, boolean success, String reason) {
        deliver(queueReport(f, success, reason));
    }

    /** Queues a fetch's outcome (once) for the next pull: {@link #deliver} the answer once the fetch's slot is free. */
    private PendingReports.Offer queueReport(Inflight f, boolean success, String reason) {
        if (!f.reported.compareAndSet(false, true)) {
            return PendingReports.Queued.INSTANCE; // reported already
        }
        return queueReport(f.assignment, success, reason);
    }

    /** Queues the outcome of an assignment the supernode gave this peer (never of anything else). */
    private PendingReports.Offer queueReport(PieceAssignment a, boolean success, String reason) {
        return pendingReports.offer(new PieceReport(engine.config.peerId(), a.pieceNum(), a.sourcePeerId(), success, reason));
    }

    /** Reports the outcome of an assignment on the loop's thread: it rides with the pull that follows. */
    private void report(PieceAssignment a, boolean success, String reason) {
        deliver(queueReport(a, success, reason));
    }

    /**
     * Sends a report on its own when it must be (a supernode that does not read them in pulls, or a pull held on
     * the supernode: it must not learn late); a report queued during a pull's first milliseconds waits for that
     * pull's answer first ({@link PendingReports#settle}), on the fetch's thread, after its slot was freed.
     */
    private void deliver(PendingReports.Offer offer) {
        if (offer instanceof PendingReports.SendNow now) {
            send(now.report());
        } else if (offer instanceof PendingReports.Waiting waiting) {
            try {
                send(pendingReports.settle(waiting));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // left queued: the next pull, or the end of the loop, has it
            }
        }
    }

    /** The download's loop ended where the supernode would ignore reports or cannot be reached: they are dropped. */
    private void dropReports(String why) {
        List<PieceReport> dropped = pendingReports.close();
        if (!dropped.isEmpty()) {
            LOG.fine(() -> dropped.size() + " piece report(s) of task " + remoteTaskId + " not sent: " + why);
        }
    }

    /** Sends one report on its own ({@code POST .../reports}); null: nothing to send. */
    private void send(PieceReport r) {
        if (r == null) {
            return;
        }
        try {
            engine.supernodes.report(supernode, remoteTaskId, r);
        } catch (IOException e) {
            LOG.log(Level.FINE, "report to " + supernode + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static boolean isSupernode(String peerId) {
        return peerId != null && peerId.startsWith("supernode:");
    }

    /** Fetches well past their deadline whose thread has not ended yet: abandoned and reported failed. */
    private void reapOverdue() {
        for (Inflight f : inflight.values()) {
            if (f.fetch.overdue(ABANDON_GRACE_NANOS) && inflight.remove(f.assignment.pieceNum(), f)) {
                f.fetch.abandon();
                engine.metrics.pieceFailed(PieceFetchException.Cause.DEADLINE);
                sourceFailures.merge(f.assignment.sourcePeerId(), 1, Integer::sum);
                report(f, false, "source " + f.assignment.sourcePeerId() + " missed its deadline");
            }
        }
    }

    /**
     * Waits for the fetches in flight to end, each at most until shortly after its deadline; any still running
     * then is abandoned (it writes nothing more). So a download never waits on a dead fetch.
     */
    private void drainInflight() throws InterruptedException {
        while (!inflight.isEmpty()) {
            reapOverdue();
            if (inflight.isEmpty()) {
                return;
            }
            awaitChange(100);
        }
    }

    /** Abandons every fetch still in flight (the download ended). */
    private void abandonInflight() {
        for (Inflight f : inflight.values()) {
            if (inflight.remove(f.assignment.pieceNum(), f)) {
                f.fetch.abandon();
            }
        }
    }

    private void checkCancelled() {
        if (cancelled) {
            throw new CancellationException("download of " + SafeUrls.display(request.url()) + " was cancelled");
        }
    }

    /** Ends the download when a write to the local store failed. */
    private void checkStore() throws DownloadException {
        DownloadException e = storeFailure;
        if (e != null) {
            throw e;
        }
    }

    /**
     * Deletes every piece of this task from the local store, before anything else happens: the supernode said
     * the task FAILED, or the whole file did not match its digest, so none of its pieces may be served (to peers
     * or to this host's clients). A stream that already read some of them fails.
     */
    private void dropPieces(String why) {
        StoredTask s = stored;
        if (s != null) {
            dropReason = why;
            engine.store.delete(s.taskId());
            completedBytes.reset();
            wake();
        }
    }

    private StoredTask createStore(String id, long length, int pieceSize) throws DownloadException {
        try {
            return engine.store.create(id, length, pieceSize);
        } catch (IOException e) {
            throw engine.storeFailure(e);
        }
    }

    /** Every piece is here: check the whole file and make it permanent. */
    private DownloadResult finish() throws IOException, DownloadException {
        checkStore();
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
        markComplete(len, digest);
        return result(digest);
    }

    /** Checks the whole file; on a mismatch its pieces are deleted first (never served), then the download fails. */
    private void verify(String actual) throws DownloadException {
        String want = expectedDigest;
        if (want != null && !want.equals(actual)) {
            String message = "digest mismatch for " + SafeUrls.display(request.url()) + ": got " + actual + ", want " + want;
            dropPieces(message);
            throw new DownloadException(DownloadException.Kind.DIGEST_MISMATCH, message);
        }
    }

    private void markComplete(long len, String digest) throws DownloadException {
        try {
            stored.markComplete(len, digest);
        } catch (IOException e) {
            throw engine.storeFailure(e);
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
        return fromOrigin();
    }

    /**
     * The whole file from the origin, piece by piece into the store. A fault (5xx, unreachable, reset, a short
     * body) is retried after 0.5, 1, 2, 4 s (one INFO line each): from the first missing byte with {@code Range}
     * when the origin answers 206, else from byte 0, checking that pieces already here are still what it sends.
     * A permanent error (404, 401, 403, a digest mismatch, ...) fails at once.
     */
    private DownloadResult fromOrigin() throws Exception {
        long[] backoff = engine.originBackoffMillis;
        OriginRead read = new OriginRead();
        for (int attempt = 0; ; attempt++) {
            checkCancelled();
            try {
                return readOrigin(read);
            } catch (OriginFetcher.OriginFaultException e) {
                if (attempt >= backoff.length) {
                    throw new DownloadException(DownloadException.Kind.ORIGIN_ERROR, e.getMessage() + " (gave up after "
                            + backoff.length + " retries)", e);
                }
                LOG.info("origin " + SafeUrls.display(request.url()) + ": " + io.dfly.core.security.SafeText.scrub(e.getMessage())
                        + "; retry " + (attempt + 1)
                        + " of " + backoff.length + " in " + backoff[attempt] + " ms"
                        + (read.done > 0 ? " from byte " + read.done : ""));
                sleep(backoff[attempt]);
            }
        }
    }

    /** Progress of a back-to-source download across its tries: the first {@code done} bytes are hashed and stored. */
    private static final class OriginRead {
        long done;
        long total = -1;
        MessageDigest whole = Digests.newSha256();
    }

    private DownloadResult readOrigin(OriginRead read) throws Exception {
        OriginFetcher.Opened opened = engine.origin.open(request.url(), request.headers(), read.done);
        try (InputStream in = opened.body()) {
            long total;
            if (opened.status() == 206) {
                if (opened.rangeStart() != read.done) {
                    throw new DownloadException(DownloadException.Kind.ORIGIN_ERROR, "origin answered bytes "
                            + opened.rangeStart() + "- to a request for bytes " + read.done + "- of "
                            + SafeUrls.display(request.url()));
                }
                total = opened.totalLength() >= 0 ? opened.totalLength() : read.total;
            } else {
                if (read.done > 0) {
                    LOG.fine("origin " + SafeUrls.display(request.url()) + " ignored Range: reading it again from byte 0,"
                            + " checking the " + read.done + " bytes already here");
                }
                read.done = 0;
                read.whole = Digests.newSha256();
                total = opened.contentLength();
            }
            if (total >= 0) {
                contentLength = total;
                read.total = total;
            }
            if (stored == null || stored.isRemoved()) {
                String id = stored != null ? stored.taskId() : taskId;
                stored = createStore(id, total, PieceSizeRule.pieceSize(total));
            }
            if (total >= 0) {
                stored.contentLength(total);
            }
            int pieceSize = stored.pieceSize();
            byte[] buf = new byte[pieceSize];
            int piece = (int) (read.done / pieceSize);
            while (true) {
                checkCancelled();
                int filled;
                try {
                    filled = readPiece(in, buf);
                } catch (IOException e) {
                    throw new OriginFetcher.OriginFaultException("origin broke off after " + read.done + " bytes ("
                            + SupernodeClient.describe(e) + ")", e);
                }
                long expected = total < 0 ? -1 : Math.min(pieceSize, total - read.done);
                if (expected >= 0 && filled < expected) {
                    throw new OriginFetcher.OriginFaultException("origin sent " + (read.done + filled) + " of " + total
                            + " bytes", null);
                }
                if (filled == 0 && piece > 0) {
                    break;
                }
                String digest = Digests.sha256(buf, 0, filled);
                if (stored.has(piece)) {
                    if (!digest.equals(stored.pieceDigest(piece)) || stored.pieceLength(piece) != filled) {
                        String message = "origin " + SafeUrls.display(request.url())
                                + " changed during the download (origin_changed): piece " + piece + " is not what was fetched before";
                        dropPieces(message);
                        throw new DownloadException(DownloadException.Kind.ORIGIN_ERROR, message);
                    }
                } else {
                    try {
                        stored.writePiece(piece, buf, filled, digest);
                    } catch (IOException e) {
                        throw engine.storeFailure(e);
                    }
                    completedBytes.add(filled);
                    fromOrigin.add(filled);
                    engine.metrics.bytesFromOrigin.add(filled);
                }
                read.whole.update(buf, 0, filled);
                read.done += filled;
                piece++;
                wake();
                if (filled < pieceSize) {
                    break;
                }
            }
            if (total >= 0 && read.done != total) {
                throw new OriginFetcher.OriginFaultException("origin sent " + read.done + " of " + total + " bytes", null);
            }
            contentLength = read.done;
            stored.contentLength(read.done);
            String digest = Digests.format(read.whole);
            verify(digest);
            markComplete(read.done, digest);
            return result(digest);
        }
    }

    /** Sleeps between origin tries; a cancel ends it at once. */
    private void sleep(long millis) throws InterruptedException {
        long until = System.currentTimeMillis() + millis;
        for (long left = millis; left > 0; left = until - System.currentTimeMillis()) {
            checkCancelled();
            synchronized (signal) {
                signal.wait(left);
            }
        }
        checkCancelled();
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
