package io.dfly.supernode.task;

import java.util.Map;

/**
 * Headers for the origin (credentials), per task: in memory only (a Hazelcast map without
 * persistence in the WAR), never logged, never written to disk, never sent to peers.
 */
public interface OriginHeaderStore {
    void put(String taskId, Map<String, String> headers);

    Map<String, String> get(String taskId);

    void remove(String taskId);
}
