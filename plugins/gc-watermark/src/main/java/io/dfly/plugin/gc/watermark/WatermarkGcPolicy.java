package io.dfly.plugin.gc.watermark;

import io.dfly.spi.CachedTask;
import io.dfly.spi.DiskUsage;
import io.dfly.spi.GcPolicy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Keeps the data dir's file system below a high watermark: once usage is above {@code high}, evicts
 * the least recently used inactive tasks until usage would be at or below {@code low}.
 */
public final class WatermarkGcPolicy implements GcPolicy {
    private final double high;
    private final double low;

    public WatermarkGcPolicy(double high, double low) {
        this.high = high;
        this.low = low;
    }

    @Override
    public String name() {
        return "watermark";
    }

    public double high() { return high; }

    public double low() { return low; }

    @Override
    public List<CachedTask> selectEvictions(List<CachedTask> cached, DiskUsage disk, Instant now) {
        List<CachedTask> out = new ArrayList<>();
        if (disk.totalBytes() <= 0 || disk.usedRatio() <= high) {
            return out;
        }
        long target = (long) (disk.totalBytes() * low);
        long used = disk.usedBytes();
        List<CachedTask> lru = cached.stream().filter(t -> !t.active())
                .sorted(Comparator.comparing(CachedTask::lastAccess)).toList();
        for (CachedTask t : lru) {
            if (used <= target) {
                break;
            }
            out.add(t);
            used -= t.sizeBytes();
        }
        return out;
    }
}
