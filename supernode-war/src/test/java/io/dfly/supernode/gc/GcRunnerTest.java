package io.dfly.supernode.gc;

import io.dfly.plugin.gc.ttl.TtlGcPolicy;
import io.dfly.plugin.gc.watermark.WatermarkGcPolicy;
import io.dfly.spi.CachedTask;
import io.dfly.spi.DiskUsage;
import io.dfly.spi.GcPolicy;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GcRunnerTest {
    private static final Instant NOW = Instant.parse("2026-03-01T10:00:00Z");
    private final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);

    /** A cache over a fake disk: evicting a task frees its size. */
    private static final class FakeCache implements GcRunner.Cache {
        final Map<String, CachedTask> tasks = new LinkedHashMap<>();
        final long total;
        long used;

        FakeCache(long total, long otherUsed) {
            this.total = total;
            this.used = otherUsed;
        }

        void add(String id, long size, Duration idle, boolean active) {
            tasks.put(id, new CachedTask(id, size, NOW.minus(Duration.ofDays(30)), NOW.minus(idle), active));
            used += size;
        }

        DiskUsage disk() {
            return new DiskUsage(total, used);
        }

        @Override
        public List<CachedTask> cachedTasks() {
            return new ArrayList<>(tasks.values());
        }

        @Override
        public long evict(String taskId) {
            long size = tasks.remove(taskId).sizeBytes();
            used -= size;
            return size;
        }
    }

    @Test
    void ttlEvictsIdleTasksButNotActiveOnes() {
        FakeCache cache = new FakeCache(1000, 0);
        cache.add("fresh", 10, Duration.ofMinutes(1), false);
        cache.add("stale", 20, Duration.ofHours(3), false);
        cache.add("stale-active", 30, Duration.ofHours(3), true);
        List<GcRunner.Eviction> ev = new GcRunner(List.of(new TtlGcPolicy(Duration.ofHours(1))), cache, cache::disk, clock).runOnce();
        assertEquals(List.of(new GcRunner.Eviction("stale", "ttl", 20)), ev);
        assertEquals(List.of("fresh", "stale-active"), List.copyOf(cache.tasks.keySet()));
    }

    @Test
    void watermarkEvictsLruUntilLowAndSkipsActive() {
        FakeCache cache = new FakeCache(1000, 500); // 500 used by others
        cache.add("a-oldest-active", 100, Duration.ofMinutes(90), true);
        cache.add("b-old", 100, Duration.ofMinutes(60), false);
        cache.add("c-mid", 100, Duration.ofMinutes(30), false);
        cache.add("d-new", 100, Duration.ofMinutes(5), false);
        // 900/1000 used > high 0.8: evict LRU until <= 0.7 → b-old and c-mid (a is active)
        List<GcRunner.Eviction> ev = new GcRunner(List.of(new WatermarkGcPolicy(0.8, 0.7)), cache, cache::disk, clock).runOnce();
        assertEquals(List.of("b-old", "c-mid"), ev.stream().map(GcRunner.Eviction::taskId).toList());
        assertEquals(700, cache.used);
        assertTrue(cache.tasks.containsKey("a-oldest-active"));
    }

    @Test
    void anActiveTaskSurvivesEvenIfAPolicyPicksIt() {
        FakeCache cache = new FakeCache(1000, 0);
        cache.add("busy", 10, Duration.ofDays(9), true);
        GcPolicy greedy = new GcPolicy() {
            public String name() { return "greedy"; }
            public List<CachedTask> selectEvictions(List<CachedTask> cached, DiskUsage disk, Instant now) { return cached; }
        };
        assertEquals(List.of(), new GcRunner(List.of(greedy), cache, cache::disk, clock).runOnce());
        assertTrue(cache.tasks.containsKey("busy"));
    }

    @Test
    void laterPoliciesSeeUsageAfterEarlierEvictions() {
        FakeCache cache = new FakeCache(1000, 600);
        cache.add("idle", 250, Duration.ofDays(2), false);
        cache.add("recent", 100, Duration.ofMinutes(1), false);
        // ttl frees 250 → 700/1000 is below high 0.8, so watermark evicts nothing
        List<GcRunner.Eviction> ev = new GcRunner(List.of(new TtlGcPolicy(Duration.ofDays(1)), new WatermarkGcPolicy(0.8, 0.6)),
                cache, cache::disk, clock).runOnce();
        assertEquals(List.of("idle"), ev.stream().map(GcRunner.Eviction::taskId).toList());
    }
}
