package io.dfly.supernode.task;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** A {@link TaskStore} in one JVM (unit tests, simulations). */
public final class LocalTaskStore implements TaskStore {
    private final Map<String, TaskRecord> tasks = new ConcurrentHashMap<>();
    private final PeerLiveness peers = new LocalPeerLiveness();

    @Override
    public synchronized <R> R update(String taskId, TaskAction<R> action) {
        TaskAction.Result<R> r = action.apply(tasks.get(taskId));
        if (r.record() == null) {
            tasks.remove(taskId);
        } else {
            tasks.put(taskId, r.record());
        }
        return r.answer();
    }

    @Override
    public java.util.Set<String> taskIds() {
        return java.util.Set.copyOf(tasks.keySet());
    }

    @Override
    public synchronized <R> Map<String, R> updateAll(TaskAction<R> action) {
        Map<String, R> out = new LinkedHashMap<>();
        for (String id : Map.copyOf(tasks).keySet()) {
            out.put(id, update(id, action));
        }
        return out;
    }

    @Override
    public synchronized <R> R read(String taskId, TaskAction<R> action) {
        return action.apply(tasks.get(taskId)).answer();
    }

    @Override
    public synchronized <R> Map<String, R> readAll(TaskAction<R> action) {
        Map<String, R> out = new LinkedHashMap<>();
        for (Map.Entry<String, TaskRecord> e : tasks.entrySet()) {
            out.put(e.getKey(), action.apply(e.getValue()).answer());
        }
        return out;
    }

    @Override
    public Optional<TaskRecord> get(String taskId) {
        return Optional.ofNullable(tasks.get(taskId));
    }

    @Override
    public PeerLiveness peers() {
        return peers;
    }

    @Override
    public int size() {
        return tasks.size();
    }
}
