package io.dfly.supernode.task;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TaskSignalsTest {
    private static final String A = "a".repeat(64);
    private static final String B = "b".repeat(64);

    @Test
    void aSignalWakesEveryWaiterOfItsTaskOnly() {
        TaskSignals signals = new TaskSignals();
        TaskSignals.Waiter a1 = signals.arm(A, "p1");
        TaskSignals.Waiter a2 = signals.arm(A, null);
        TaskSignals.Waiter b1 = signals.arm(B, "p1");
        AtomicInteger ran = new AtomicInteger();
        a1.fired().thenRun(ran::incrementAndGet);
        signals.signal(A);
        assertTrue(a1.hasFired());
        assertTrue(a2.hasFired());
        assertFalse(b1.hasFired());
        assertEquals(1, ran.get());
        assertEquals(0, signals.waiting(A));
        assertEquals(1, signals.waiting(B));
        // fired waiters fire once: a second signal finds nobody
        signals.signal(A);
        assertEquals(1, ran.get());
    }

    @Test
    void aLimitedSignalWakesThePeerItselfAndTheLongestWaitingOthers() {
        TaskSignals signals = new TaskSignals();
        TaskSignals.Waiter w1 = signals.arm(A, "p1");
        TaskSignals.Waiter w2 = signals.arm(A, "p2");
        TaskSignals.Waiter w3 = signals.arm(A, "p3");
        TaskSignals.Waiter w4 = signals.arm(A, "p4");
        signals.signal(A, "p4", 2);
        assertTrue(w1.hasFired());
        assertTrue(w2.hasFired());
        assertFalse(w3.hasFired());
        assertTrue(w4.hasFired(), "the reporter's own held pull always wakes");
        assertEquals(1, signals.waiting(A));
        signals.signal(A, "nobody", 0);
        assertFalse(w3.hasFired());
        signals.signal(A, null, 1);
        assertTrue(w3.hasFired());
        assertEquals(0, signals.tasksWaitedOn(), "no entry is left behind for a task nobody waits on");
    }

    @Test
    void aCancelledWaiterIsDroppedAndRunsNothing() {
        TaskSignals signals = new TaskSignals();
        TaskSignals.Waiter w = signals.arm(A, "p1");
        AtomicInteger ran = new AtomicInteger();
        w.fired().thenRun(ran::incrementAndGet);
        w.cancel();
        assertEquals(0, signals.tasksWaitedOn());
        signals.signal(A);
        assertEquals(0, ran.get());
    }

    @Test
    void aSignalBetweenArmingAndWaitingIsNotLost() throws Exception {
        TaskSignals signals = new TaskSignals();
        TaskSignals.Waiter w = signals.arm(A, null);
        signals.signal(A); // e.g. the origin answered while the caller was reading the task
        long t0 = System.nanoTime();
        assertTrue(w.await(10, TimeUnit.SECONDS));
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5));
        AtomicInteger ran = new AtomicInteger();
        w.fired().thenRun(ran::incrementAndGet); // a callback attached late runs at once
        assertEquals(1, ran.get());
    }

    @Test
    void awaitTimesOutWithoutASignalAndFireEndsItEarly() throws Exception {
        TaskSignals signals = new TaskSignals();
        TaskSignals.Waiter w = signals.arm(A, null);
        assertFalse(w.await(20, TimeUnit.MILLISECONDS));
        assertEquals(1, signals.waiting(A), "still armed after a timeout");
        w.fire();
        assertTrue(w.await(0, TimeUnit.MILLISECONDS));
        assertEquals(0, signals.waiting(A));
    }

    @Test
    void aSignalFromAnotherThreadWakesABlockedWaiter() throws Exception {
        TaskSignals signals = new TaskSignals();
        TaskSignals.Waiter w = signals.arm(A, null);
        CountDownLatch waiting = new CountDownLatch(1);
        Thread t = new Thread(() -> {
            try {
                waiting.await();
                Thread.sleep(20);
            } catch (InterruptedException e) {
                return;
            }
            signals.signal(A);
        });
        t.start();
        waiting.countDown();
        assertTrue(w.await(10, TimeUnit.SECONDS));
        t.join();
    }

    @Test
    void closeWakesEveryoneAndLaterWaitersFireAtOnce() {
        TaskSignals signals = new TaskSignals();
        List<TaskSignals.Waiter> all = List.of(signals.arm(A, "p1"), signals.arm(B, "p2"));
        signals.close();
        assertTrue(signals.isClosed());
        all.forEach(w -> assertTrue(w.hasFired()));
        assertTrue(signals.arm(A, "p3").hasFired());
        assertEquals(0, signals.tasksWaitedOn());
    }
}
