package io.dfly.supernode.cluster;

import com.hazelcast.core.ReadOnly;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.IMap;
import io.dfly.supernode.task.PeerLiveness;
import io.dfly.supernode.task.TaskAction;
import io.dfly.supernode.task.TaskRecord;
import io.dfly.supernode.task.TaskStore;

import java.util.Map;
import java.util.Optional;

/** Tasks in a Hazelcast map; each action runs as an entry processor on the task's owning member. */
public final class HazelcastTaskStore implements TaskStore {
    private final IMap<String, TaskRecord> map;
    private final PeerLiveness peers;

    /** The tasks in {@link ClusterMember#TASKS}, the peers' liveness in {@link ClusterMember#PEERS_HEARD}. */
    public HazelcastTaskStore(com.hazelcast.core.HazelcastInstance hazelcast) {
        this.map = hazelcast.getMap(ClusterMember.TASKS);
        this.peers = new HazelcastPeerLiveness(hazelcast.getMap(ClusterMember.PEERS_HEARD));
    }

    /** Runs a {@link TaskAction} on the owner (and again on the backup, so the backup stays current). */
    static final class ActionProcessor<R> implements EntryProcessor<String, TaskRecord, R> {
        private static final long serialVersionUID = 1L;
        private final TaskAction<R> action;

        ActionProcessor(TaskAction<R> action) {
            this.action = action;
        }

        @Override
        public R process(Map.Entry<String, TaskRecord> entry) {
            TaskAction.Result<R> r = action.apply(entry.getValue());
            entry.setValue(r.record());
            return r.answer();
        }
    }

    /** Runs a read-only {@link TaskAction} on the owner; nothing is written, no backup is touched. */
    static final class ReadProcessor<R> implements EntryProcessor<String, TaskRecord, R>, ReadOnly {
        private static final long serialVersionUID = 1L;
        private final TaskAction<R> action;

        ReadProcessor(TaskAction<R> action) {
            this.action = action;
        }

        @Override
        public R process(Map.Entry<String, TaskRecord> entry) {
            return action.apply(entry.getValue()).answer();
        }

        @Override
        public EntryProcessor<String, TaskRecord, R> getBackupProcessor() {
            return null;
        }
    }

    @Override
    public <R> R read(String taskId, TaskAction<R> action) {
        return map.executeOnKey(taskId, new ReadProcessor<>(action));
    }

    @Override
    public <R> Map<String, R> readAll(TaskAction<R> action) {
        return map.executeOnEntries(new ReadProcessor<>(action));
    }

    @Override
    public <R> R update(String taskId, TaskAction<R> action) {
        return map.executeOnKey(taskId, new ActionProcessor<>(action));
    }

    /** The map's keys: one operation per partition, each answering its own keys. */
    @Override
    public java.util.Set<String> taskIds() {
        return java.util.Set.copyOf(map.keySet());
    }

    @Override
    public <R> Map<String, R> updateAll(TaskAction<R> action) {
        return map.executeOnEntries(new ActionProcessor<>(action));
    }

    @Override
    public Optional<TaskRecord> get(String taskId) {
        return Optional.ofNullable(map.get(taskId));
    }

    @Override
    public PeerLiveness peers() {
        return peers;
    }

    @Override
    public int size() {
        return map.size();
    }
}
