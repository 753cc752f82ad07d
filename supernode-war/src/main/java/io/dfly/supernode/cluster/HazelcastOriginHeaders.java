package io.dfly.supernode.cluster;

import com.hazelcast.map.IMap;
import io.dfly.supernode.task.OriginHeaderStore;

import java.util.HashMap;
import java.util.Map;

/** Origin headers in a Hazelcast map (memory only, replicated to a backup, never persisted or logged). */
public final class HazelcastOriginHeaders implements OriginHeaderStore {
    private final IMap<String, HashMap<String, String>> map;

    public HazelcastOriginHeaders(IMap<String, HashMap<String, String>> map) {
        this.map = map;
    }

    @Override
    public void put(String taskId, Map<String, String> headers) {
        map.set(taskId, new HashMap<>(headers));
    }

    @Override
    public Map<String, String> get(String taskId) {
        HashMap<String, String> h = map.get(taskId);
        return h == null ? Map.of() : h;
    }

    @Override
    public void remove(String taskId) {
        map.delete(taskId);
    }
}
