package io.dfly.supernode.metrics;

import io.dfly.core.metrics.InMemoryMeters;
import io.dfly.supernode.task.TaskView;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;

class TaskGaugesTest {
    private static TaskView task(String id, String status, int peers, boolean active) {
        return new TaskView(id, "http://o/x", status, 10, 4, 3, 0, peers, 0, List.of(), null, null, active, 0);
    }

    @Test
    void tasksByStateActiveAndPeersFromOneReadPerSecond() {
        List<TaskView> tasks = new ArrayList<>(List.of(task("a", "RUNNING", 2, true), task("b", "SUCCESS", 3, false),
                task("c", "SUCCESS", 0, false)));
        AtomicInteger reads = new AtomicInteger();
        AtomicLong clock = new AtomicLong(5_000);
        InMemoryMeters meters = new InMemoryMeters();
        new TaskGauges(() -> {
            reads.incrementAndGet();
            return List.copyOf(tasks);
        }, clock::get).register(meters);

        assertEquals(1, meters.gaugeValue("dfly_supernode_tasks", "state", "RUNNING"));
        assertEquals(2, meters.gaugeValue("dfly_supernode_tasks", "state", "SUCCESS"));
        assertEquals(0, meters.gaugeValue("dfly_supernode_tasks", "state", "FAILED"));
        assertEquals(0, meters.gaugeValue("dfly_supernode_tasks", "state", "WAITING"));
        assertEquals(1, meters.gaugeValue("dfly_supernode_active_tasks"));
        assertEquals(5, meters.gaugeValue("dfly_supernode_peers"));
        assertEquals(1, reads.get(), "one scrape reads the task list once");

        tasks.add(task("d", "FAILED", 0, false));
        assertEquals(0, meters.gaugeValue("dfly_supernode_tasks", "state", "FAILED"), "still the same second");
        clock.addAndGet(TaskGauges.MAX_AGE_MILLIS);
        assertEquals(1, meters.gaugeValue("dfly_supernode_tasks", "state", "FAILED"));
        assertEquals(2, reads.get());
    }

    @Test
    void pieceFailuresAreCountedBySourceKind() {
        SupernodeMetrics m = new SupernodeMetrics();
        m.pieceFailed("supernode:abc");
        m.pieceFailed("peer-1");
        m.pieceFailed("peer-2");
        m.pieceFailed(null);
        assertEquals(1, m.pieceFailuresFromSupernodes.count());
        assertEquals(3, m.pieceFailuresFromPeers.count());
        assertEquals(4, m.pieceFailures());
    }
}
