package io.dfly.supernode.task;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Wake-ups for requests held on this member until a task changes here: a held pull, a registration
 * waiting for the origin's answer. Plain Java, in-memory, per member: events on other cluster members
 * are not seen (holders re-check the task now and then for those).
 *
 * <p>Use: {@link #arm} a {@link Waiter} <em>before</em> reading the task, then wait on it (or attach a
 * callback) only if the answer has to wait. A signal between the read and the wait is never lost:
 * the waiter has already fired. Waiters fire once; an armed waiter that is no longer wanted must be
 * {@linkplain Waiter#cancel cancelled} (it is dropped at once).
 */
public final class TaskSignals {
    private final Map<String, Set<Waiter>> waiters = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /** One armed wait for one task; fires at most once (signal, timeout, close or cancel). */
    public final class Waiter {
        private final String taskId;
        private final String peerId;
        private final CompletableFuture<Void> fired = new CompletableFuture<>();

        private Waiter(String taskId, String peerId) {
            this.taskId = taskId;
            this.peerId = peerId;
        }

        public String taskId() { return taskId; }

        /** The peer whose request this is, or null. */
        public String peerId() { return peerId; }

        /** Completes when the waiter fires (already complete if it has). */
        public CompletableFuture<Void> fired() {
            return fired;
        }

        public boolean hasFired() {
            return fired.isDone();
        }

        /** Fires the waiter now (a timeout, say): it leaves the registry and its callbacks run. */
        public void fire() {
            remove(this);
            fired.complete(null);
        }

        /** Drops the waiter without running anything that waits for it as a signal. */
        public void cancel() {
            remove(this);
            fired.cancel(false);
        }

        /**
         * Blocks until the waiter fires or {@code timeout} passes; returns whether it fired. The
         * waiter stays armed after a timeout (cancel it when done).
         */
        public boolean await(long timeout, TimeUnit unit) throws InterruptedException {
            try {
                fired.get(timeout, unit);
                return true;
            } catch (TimeoutException e) {
                return false;
            } catch (ExecutionException | java.util.concurrent.CancellationException e) {
                return true;
            }
        }
    }

    /**
     * Arms a waiter for {@code taskId}, on behalf of {@code peerId} (may be null). After
     * {@link #close} the waiter is returned already fired.
     */
    public Waiter arm(String taskId, String peerId) {
        Waiter w = new Waiter(taskId, peerId);
        waiters.compute(taskId, (k, set) -> {
            Set<Waiter> s = set == null ? new LinkedHashSet<>() : set;
            s.add(w);
            return s;
        });
        if (closed) {
            w.fire();
        }
        return w;
    }

    /** Something changed the task for everyone (a piece published, the origin answered or failed): wakes every waiter. */
    public void signal(String taskId) {
        fireAll(take(taskId, null, Integer.MAX_VALUE));
    }

    /**
     * Something changed the task for a few (a report frees a source's slot and makes the reporter a
     * source): wakes {@code peerId}'s own waiters and at most {@code others} more, the longest
     * waiting first. The rest keep waiting (until their own re-check or timeout).
     */
    public void signal(String taskId, String peerId, int others) {
        fireAll(take(taskId, peerId, Math.max(0, others)));
    }

    /**
     * As {@link #signal(String, String, int)}, but {@code peerId}'s own waiters are left alone: the change came
     * with that peer's own pull (reports it carried), which already ran after it.
     */
    public void signalOthers(String taskId, String peerId, int others) {
        fireAll(take(taskId, peerId, Math.max(0, others), false));
    }

    /** Wakes every waiter of every task, and every waiter armed from now on fires at once. */
    public void close() {
        closed = true;
        for (String taskId : List.copyOf(waiters.keySet())) {
            signal(taskId);
        }
    }

    public boolean isClosed() {
        return closed;
    }

    /** Waiters armed for the task now (tests, metrics). */
    public int waiting(String taskId) {
        int[] n = {0};
        waiters.computeIfPresent(taskId, (k, set) -> {
            n[0] = set.size();
            return set;
        });
        return n[0];
    }

    /** Tasks with at least one waiter. */
    public int tasksWaitedOn() {
        return waiters.size();
    }

    private List<Waiter> take(String taskId, String peerId, int others) {
        return take(taskId, peerId, others, true);
    }

    /** Takes the waiters to wake: at most {@code others} not of {@code peerId}, and {@code peerId}'s own if {@code own}. */
    private List<Waiter> take(String taskId, String peerId, int others, boolean own) {
        List<Waiter> out = new ArrayList<>();
        waiters.computeIfPresent(taskId, (k, set) -> {
            int left = others;
            var it = set.iterator();
            while (it.hasNext()) {
                Waiter w = it.next();
                if (peerId != null && peerId.equals(w.peerId)) {
                    if (own) {
                        out.add(w);
                        it.remove();
                    }
                } else if (left > 0) {
                    left--;
                    out.add(w);
                    it.remove();
                }
            }
            return set.isEmpty() ? null : set;
        });
        return out;
    }

    private void remove(Waiter w) {
        waiters.computeIfPresent(w.taskId, (k, set) -> {
            set.remove(w);
            return set.isEmpty() ? null : set;
        });
    }

    private static void fireAll(List<Waiter> fired) {
        for (Waiter w : fired) {
            w.fired.complete(null);
        }
    }
}
