package io.dfly.supernode.gc;

import io.dfly.core.config.ByteSize;
import io.dfly.spi.CachedTask;
import io.dfly.spi.DiskUsage;
import io.dfly.spi.GcPolicy;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * One GC pass: asks each configured policy in turn which cached tasks to evict, never evicts an
 * active task whatever a policy says, and logs what was freed. Later policies see the disk usage
 * as it is after the earlier ones' evictions.
 */
public final class GcRunner {
    private static final Logger LOG = Logger.getLogger(GcRunner.class.getName());

    /** The cache being collected. */
    public interface Cache {
        /** Tasks stored here, with whether each is active now. */
        List<CachedTask> cachedTasks();

        /** Deletes a task's data; returns the bytes freed. */
        long evict(String taskId);
    }

    /** What one pass evicted. */
    public record Eviction(String taskId, String policy, long freedBytes) {
    }

    private final List<GcPolicy> policies;
    private final Cache cache;
    private final Supplier<DiskUsage> disk;
    private final Clock clock;

    public GcRunner(List<GcPolicy> policies, Cache cache, Supplier<DiskUsage> disk, Clock clock) {
        this.policies = List.copyOf(policies);
        this.cache = cache;
        this.disk = disk;
        this.clock = clock;
    }

    public List<Eviction> runOnce() {
        Map<String, CachedTask> remaining = new LinkedHashMap<>();
        for (CachedTask t : cache.cachedTasks()) {
            remaining.put(t.taskId(), t);
        }
        DiskUsage usage = disk.get();
        Instant now = clock.instant();
        List<Eviction> out = new ArrayList<>();
        for (GcPolicy policy : policies) {
            List<CachedTask> chosen = policy.selectEvictions(List.copyOf(remaining.values()), usage, now);
            for (CachedTask c : chosen) {
                CachedTask t = remaining.get(c.taskId());
                if (t == null || t.active()) {
                    continue; // already gone, or a download is running: never evicted
                }
                long freed = cache.evict(t.taskId());
                remaining.remove(t.taskId());
                usage = new DiskUsage(usage.totalBytes(), Math.max(0, usage.usedBytes() - freed));
                out.add(new Eviction(t.taskId(), policy.name(), freed));
                LOG.info(() -> "GC (" + policy.name() + "): evicted task " + t.taskId() + ", freed "
                        + ByteSize.format(freed));
            }
        }
        return out;
    }
}
