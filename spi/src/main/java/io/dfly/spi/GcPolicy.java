package io.dfly.spi;

import java.time.Instant;
import java.util.List;

/**
 * Decides which cached tasks to evict. Called periodically by the host with every cached task;
 * the host never evicts a task that is {@link CachedTask#active() active}, whatever a policy says.
 */
public interface GcPolicy {
    String name();

    /** The tasks to evict, in the order they should go. */
    List<CachedTask> selectEvictions(List<CachedTask> cached, DiskUsage disk, Instant now);
}
