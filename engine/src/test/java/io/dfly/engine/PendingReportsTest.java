package io.dfly.engine;

import io.dfly.core.protocol.PieceReport;
import io.dfly.core.protocol.PullRequest;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PendingReportsTest {
    private static PieceReport report(int n) {
        return new PieceReport("p", n, "supernode:h:1", true, null);
    }

    private static boolean queued(PendingReports.Offer o) {
        return o instanceof PendingReports.Queued;
    }

    @Test
    void aReportWaitsForTheNextPullUnlessAHeldOneIsInFlight() throws Exception {
        PendingReports pending = new PendingReports(0);
        assertTrue(queued(pending.offer(report(0))), "no pull in flight: queued");
        List<PieceReport> taken = pending.startPull();
        assertEquals(List.of(report(0)), taken);
        assertEquals(new PendingReports.SendNow(report(1)), pending.offer(report(1)),
                "a pull is in flight past its grace (held): sent on its own at once");
        assertEquals(0, pending.size());
        pending.endPull(List.of());
        assertTrue(queued(pending.offer(report(2))));
        assertEquals(List.of(report(2)), pending.startPull());
        pending.endPull(List.of(report(2)));
        assertEquals(List.of(report(2)), pending.startPull(), "a failed pull's reports go again with the next");
        pending.endPull(List.of());
    }

    @Test
    void aReportEndingInAPullsFirstMillisecondsWaitsForItsAnswerThenRidesTheNextPull() throws Exception {
        PendingReports pending = new PendingReports(60_000);
        pending.startPull();
        PendingReports.Waiting w = (PendingReports.Waiting) pending.offer(report(7));
        Thread answer = new Thread(() -> {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            pending.endPull(List.of());
        });
        answer.start();
        assertEquals(null, pending.settle(w), "the pull was answered: the report stays for the next one");
        answer.join();
        assertEquals(List.of(report(7)), pending.startPull());
        pending.endPull(List.of());
        // a pull that stays out past the grace is held: the report is taken back and sent on its own
        PendingReports shortGrace = new PendingReports(30);
        shortGrace.startPull();
        PendingReports.Waiting held = (PendingReports.Waiting) shortGrace.offer(report(8));
        assertEquals(report(8), shortGrace.settle(held));
        assertEquals(0, shortGrace.size());
    }

    @Test
    void aPullTakesAtMost64AndTheRestGoWithTheNext() {
        PendingReports pending = new PendingReports();
        for (int n = 0; n < 70; n++) {
            assertTrue(queued(pending.offer(report(n))));
        }
        assertEquals(PullRequest.MAX_REPORTS, pending.startPull().size());
        pending.endPull(List.of());
        assertEquals(6, pending.startPull().size());
        pending.endPull(List.of());
    }

    @Test
    void afterTheLoopEndsOrAnOldSupernodeEveryReportIsSentOnItsOwn() {
        PendingReports pending = new PendingReports();
        pending.offer(report(0));
        assertEquals(List.of(report(0)), pending.close(), "what was queued is the caller's to send or drop");
        assertEquals(new PendingReports.SendNow(report(1)), pending.offer(report(1)));
        PendingReports old = new PendingReports();
        old.stopRiding();
        assertEquals(new PendingReports.SendNow(report(1)), old.offer(report(1)));
    }

    @Test
    void aLongReasonIsCut() {
        PendingReports pending = new PendingReports();
        pending.offer(new PieceReport("p", 0, "q", false, "x".repeat(5000)));
        assertEquals(PendingReports.MAX_REASON_CHARS, pending.startPull().get(0).reason().length());
    }

    /** Fetch threads offer while the loop pulls: every report goes exactly once, with a pull or on its own. */
    @Test
    void everyReportIsSentExactlyOnceHoweverTheThreadsInterleave() throws Exception {
        PendingReports pending = new PendingReports(1);
        int threads = 4;
        int each = 20_000;
        Map<Integer, AtomicInteger> sent = new ConcurrentHashMap<>();
        AtomicInteger alone = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(threads);
        List<Thread> fetchers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int base = t * each;
            Thread th = new Thread(() -> {
                for (int i = 0; i < each; i++) {
                    PieceReport r = report(base + i);
                    PendingReports.Offer o = pending.offer(r);
                    PieceReport own = null;
                    if (o instanceof PendingReports.SendNow now) {
                        own = now.report();
                    } else if (o instanceof PendingReports.Waiting w) {
                        try {
                            own = pending.settle(w);
                        } catch (InterruptedException e) {
                            throw new AssertionError(e);
                        }
                    }
                    if (own != null) {
                        sent.computeIfAbsent(own.pieceNum(), k -> new AtomicInteger()).incrementAndGet();
                        alone.incrementAndGet();
                    }
                }
                done.countDown();
            });
            fetchers.add(th);
            th.start();
        }
        int pulls = 0;
        while (done.getCount() > 0 || pending.size() > 0) {
            List<PieceReport> taken = pending.startPull();
            if (ThreadLocalRandom.current().nextInt(64) == 0) {
                Thread.sleep(2); // a held pull: past the grace
            }
            for (PieceReport r : taken) {
                sent.computeIfAbsent(r.pieceNum(), k -> new AtomicInteger()).incrementAndGet();
            }
            pending.endPull(List.of());
            pulls++;
        }
        for (Thread th : fetchers) {
            th.join();
        }
        assertEquals(threads * each, sent.size(), "none lost");
        assertTrue(sent.values().stream().allMatch(c -> c.get() == 1), "none sent twice");
        assertTrue(pulls > 0 && alone.get() < threads * each, "both ways were taken: " + alone + " alone in " + pulls + " pulls");
    }
}
