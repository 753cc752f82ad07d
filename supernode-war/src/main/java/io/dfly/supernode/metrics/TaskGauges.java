package io.dfly.supernode.metrics;

import io.dfly.core.metrics.Meters;
import io.dfly.core.protocol.TaskStatus;
import io.dfly.supernode.task.TaskView;

import java.util.List;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Gauges over the cluster's tasks: tasks by state, tasks with a download running, peers in all swarms.
 * One scrape reads them all, so the task list is read once and kept for {@link #MAX_AGE_MILLIS}.
 */
public final class TaskGauges {
    static final long MAX_AGE_MILLIS = 1000;

    private final Supplier<List<TaskView>> tasks;
    private final LongSupplier clock;
    private List<TaskView> snapshot; // null until first read
    private long readAt;

    public TaskGauges(Supplier<List<TaskView>> tasks, LongSupplier clock) {
        this.tasks = tasks;
        this.clock = clock;
    }

    /** Registers the gauges with {@code meters}. */
    public void register(Meters meters) {
        for (TaskStatus status : TaskStatus.values()) {
            String state = status.name();
            meters.gauge("dfly_supernode_tasks", "Tasks known to the cluster, by state.", () -> count(state), "state", state);
        }
        meters.gauge("dfly_supernode_active_tasks", "Tasks with a download running.",
                () -> tasks().stream().filter(TaskView::active).count());
        meters.gauge("dfly_supernode_peers", "Peers in all swarms (not counting peers that left).",
                () -> tasks().stream().mapToLong(TaskView::peers).sum());
    }

    long count(String state) {
        return tasks().stream().filter(t -> state.equals(t.status())).count();
    }

    private synchronized List<TaskView> tasks() {
        long now = clock.getAsLong();
        if (snapshot == null || now - readAt >= MAX_AGE_MILLIS || now < readAt) {
            snapshot = tasks.get();
            readAt = now;
        }
        return snapshot;
    }
}
