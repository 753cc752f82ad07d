package io.dfly.supernode.task;

import java.util.Optional;

/**
 * Headers for the origin (credentials), per task, with the URL they were given for: in memory only
 * (a Hazelcast map without persistence in the WAR, each value sealed with a key derived from the cluster
 * secret), never logged, never written to disk, never sent to peers.
 */
public interface OriginHeaderStore {
    void put(String taskId, OriginHeaders headers);

    Optional<OriginHeaders> get(String taskId);

    void remove(String taskId);
}
