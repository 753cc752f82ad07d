package io.dfly.engine;

import io.dfly.core.protocol.PieceReport;
import io.dfly.core.protocol.PullRequest;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * One download's piece reports waiting to ride on its next pull ({@link PullRequest#reports}), so a finished
 * piece costs the supernode one request instead of two. A report is not held back behind a pull the supernode
 * holds (up to 500 ms): a report that ends while a pull is in flight waits for that pull's answer only until
 * {@link #GRACE_MILLIS} after the pull started (an answer that is not held comes sooner, and the next pull takes
 * the report); a pull still out then is taken to be held, and the fetch thread sends its report on its own.
 *
 * <p>Race-free without a lock: a fetch thread {@linkplain #offer queues} its report and then reads
 * {@link #pullInFlight}; the download's loop sets that flag before it {@linkplain #startPull takes} the queue
 * and clears it when the pull has returned. A report queued while the flag was clear is taken by the next pull
 * (the flag was set after the report was queued, so the taking sees it); one queued while the flag is set is
 * either taken by that pull or a later one, or removed again by its fetch thread, never both (the removal is
 * atomic), and then sent on its own. Every report is sent exactly once by one of the two.
 */
final class PendingReports {
    /** Longest {@code reason} carried in a pull (a pull's body stays far below the supernode's 64 KiB). */
    static final int MAX_REASON_CHARS = 200;

    /**
     * How long after a pull started a report may wait for its answer: a pull that is not held is answered within
     * a few milliseconds (20-60 ms on a 2-core machine under load 10); one out longer is taken to be held.
     */
    static final long GRACE_MILLIS = 50;

    private final ConcurrentLinkedDeque<PieceReport> queue = new ConcurrentLinkedDeque<>();
    private final long graceNanos;
    private volatile boolean pullInFlight;
    /** Pulls started so far; with {@link #pullStartedNanos}, which pull is in flight and since when. */
    private volatile long pulls;
    private volatile long pullStartedNanos;
    /** Cleared when the supernode did not read a pull's reports (it predates them), or the download's loop ended. */
    private volatile boolean riding = true;

    PendingReports() {
        this(GRACE_MILLIS);
    }

    PendingReports(long graceMillis) {
        this.graceNanos = graceMillis * 1_000_000L;
    }

    /** What became of an offered report. */
    sealed interface Offer permits Queued, SendNow, Waiting {
    }

    /** Queued: a later pull takes it. */
    record Queued() implements Offer {
        static final Queued INSTANCE = new Queued();
    }

    /** The caller must send it on its own now. */
    record SendNow(PieceReport report) implements Offer {
    }

    /** Queued while a pull was in flight: the caller {@linkplain #settle settles} it (after freeing its slot). */
    record Waiting(PieceReport report, long pull, long deadlineNanos) implements Offer {
    }

    /**
     * Queues a report for a later pull, from the thread whose fetch ended. The report must be sent on its own now
     * when the supernode does not read reports in pulls, the loop has ended, or a pull is in flight that started
     * more than {@link #GRACE_MILLIS} ago (held); when one is in flight that started less, see {@link #settle}.
     */
    Offer offer(PieceReport report) {
        if (!riding) {
            return new SendNow(report);
        }
        PieceReport r = trimmed(report);
        queue.addLast(r);
        if (!riding) {
            return queue.removeLastOccurrence(r) ? new SendNow(r) : Queued.INSTANCE;
        }
        if (pullInFlight) {
            long pull = pulls;
            long deadline = pullStartedNanos + graceNanos;
            if (deadline - System.nanoTime() <= 0) {
                // taken by the pull already (removal fails: it rides with it), or not (removed here: sent on its own)
                return queue.removeLastOccurrence(r) ? new SendNow(r) : Queued.INSTANCE;
            }
            return new Waiting(r, pull, deadline);
        }
        return Queued.INSTANCE;
    }

    /**
     * A report queued while a pull was in flight: waits until that pull has returned (the next one takes the
     * report) or its grace is over; then, if that pull is still out (held) and has not taken the report, takes it
     * back. Returns the report to send on its own now, or null.
     */
    PieceReport settle(Waiting w) throws InterruptedException {
        synchronized (this) {
            for (long left = w.deadlineNanos() - System.nanoTime(); left > 0 && pullInFlight && pulls == w.pull();
                 left = w.deadlineNanos() - System.nanoTime()) {
                wait(Math.max(1, left / 1_000_000L));
            }
        }
        if (pullInFlight && pulls == w.pull() && queue.removeLastOccurrence(w.report())) {
            return w.report();
        }
        return null; // in a pull, or queued for the one the loop makes next
    }

    /** The loop starts a pull: marks it in flight, then takes up to {@link PullRequest#MAX_REPORTS} reports. */
    List<PieceReport> startPull() {
        pullStartedNanos = System.nanoTime();
        pulls = pulls + 1; // the loop's thread only
        pullInFlight = true;
        return take(PullRequest.MAX_REPORTS);
    }

    /**
     * The pull returned (or failed). {@code unsent}: reports it took that the supernode may not have read (the
     * pull failed on the way): they go first into the next pull (applied twice, a report is ignored the second
     * time).
     */
    void endPull(List<PieceReport> unsent) {
        for (int i = unsent.size() - 1; i >= 0; i--) {
            queue.addFirst(unsent.get(i));
        }
        pullInFlight = false;
        synchronized (this) {
            notifyAll(); // reports waiting for this pull's answer
        }
    }

    /** The supernode answered a pull without reading its reports: from now on every report is sent on its own. */
    void stopRiding() {
        riding = false;
    }

    /**
     * The download's loop ended: returns what is still queued (for the caller to send or drop), and every later
     * report is sent on its own by its fetch thread.
     */
    List<PieceReport> close() {
        riding = false;
        return drain();
    }

    /** Takes every report queued now (the loop goes on: later ones queue as usual). */
    List<PieceReport> drain() {
        return take(Integer.MAX_VALUE);
    }

    /** Takes up to {@code max} of the reports queued now, oldest first. */
    private List<PieceReport> take(int max) {
        List<PieceReport> taken = new ArrayList<>();
        PieceReport r;
        while (taken.size() < max && (r = queue.pollFirst()) != null) {
            taken.add(r);
        }
        return taken;
    }

    /** Whether no report is queued now. */
    boolean isEmpty() {
        return queue.isEmpty();
    }

    /** Reports queued now (tests). */
    int size() {
        return queue.size();
    }

    private static PieceReport trimmed(PieceReport r) {
        String reason = r.reason();
        if (reason == null || reason.length() <= MAX_REASON_CHARS) {
            return r;
        }
        return new PieceReport(r.peerId(), r.pieceNum(), r.sourcePeerId(), r.success(), reason.substring(0, MAX_REASON_CHARS));
    }
}
