package io.dfly.supernode.task;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** Origin headers in one JVM (tests). */
public final class LocalOriginHeaders implements OriginHeaderStore {
    private final Map<String, OriginHeaders> map = new ConcurrentHashMap<>();

    @Override
    public void put(String taskId, OriginHeaders headers) {
        map.put(taskId, headers);
    }

    @Override
    public Optional<OriginHeaders> get(String taskId) {
        return Optional.ofNullable(map.get(taskId));
    }

    @Override
    public void remove(String taskId) {
        map.remove(taskId);
    }
}
