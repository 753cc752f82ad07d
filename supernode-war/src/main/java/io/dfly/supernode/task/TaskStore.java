package io.dfly.supernode.task;

import java.util.Map;
import java.util.Optional;

/**
 * Where task records live: the Hazelcast map in the WAR, a plain map in tests. Every change goes
 * through {@link #update}, which runs the action atomically on the task's owner. Beside them, in the same
 * grid, when each peer was last heard from ({@link #peers}).
 */
public interface TaskStore {
    <R> R update(String taskId, TaskAction<R> action);

    /**
     * The ids of every task: one listing of the keys. (Not Hazelcast's {@code executeOnKeys}: that sends every
     * key to every partition concerned and hashes each there, so its cost is keys × partitions; over the CDN's
     * 12,000 tasks after bench/herd's warm-up it was most of the supernode's CPU.)
     */
    java.util.Set<String> taskIds();

    /** Runs an action on every task; returns the answers by task id. */
    <R> Map<String, R> updateAll(TaskAction<R> action);

    /** Runs a read-only action where the task lives (no backup copy is touched); null record if absent. */
    <R> R read(String taskId, TaskAction<R> action);

    /** Runs a read-only action on every task; returns the answers by task id. */
    <R> Map<String, R> readAll(TaskAction<R> action);

    Optional<TaskRecord> get(String taskId);

    /** When each peer was last heard from (its heartbeats), shared like the tasks. */
    PeerLiveness peers();

    int size();
}
