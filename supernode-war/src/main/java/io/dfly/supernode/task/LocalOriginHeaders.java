package io.dfly.supernode.task;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Origin headers in one JVM (tests). */
public final class LocalOriginHeaders implements OriginHeaderStore {
    private final Map<String, Map<String, String>> map = new ConcurrentHashMap<>();

    @Override
    public void put(String taskId, Map<String, String> headers) {
        map.put(taskId, Map.copyOf(headers));
    }

    @Override
    public Map<String, String> get(String taskId) {
        return map.getOrDefault(taskId, Map.of());
    }

    @Override
    public void remove(String taskId) {
        map.remove(taskId);
    }
}
