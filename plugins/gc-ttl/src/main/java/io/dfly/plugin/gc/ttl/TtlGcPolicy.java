package io.dfly.plugin.gc.ttl;

import io.dfly.spi.CachedTask;
import io.dfly.spi.DiskUsage;
import io.dfly.spi.GcPolicy;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;

/** Evicts tasks unused (not read or written) for longer than {@code maxIdle}, the longest-unused first. */
public final class TtlGcPolicy implements GcPolicy {
    private final Duration maxIdle;

    public TtlGcPolicy(Duration maxIdle) {
        this.maxIdle = maxIdle;
    }

    @Override
    public String name() {
        return "ttl";
    }

    public Duration maxIdle() {
        return maxIdle;
    }

    @Override
    public List<CachedTask> selectEvictions(List<CachedTask> cached, DiskUsage disk, Instant now) {
        Instant cutoff = now.minus(maxIdle);
        return cached.stream()
                .filter(t -> !t.active() && t.lastAccess().isBefore(cutoff))
                .sorted(Comparator.comparing(CachedTask::lastAccess))
                .toList();
    }
}
