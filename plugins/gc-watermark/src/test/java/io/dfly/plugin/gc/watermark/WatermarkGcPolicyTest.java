package io.dfly.plugin.gc.watermark;

import io.dfly.spi.CachedTask;
import io.dfly.spi.DiskUsage;
import io.dfly.spi.InvalidPluginSettingException;
import io.dfly.spi.Plugin;
import io.dfly.spi.PluginSettings;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WatermarkGcPolicyTest {
    private static final Instant NOW = Instant.parse("2026-01-01T12:00:00Z");

    private static PluginSettings settings(Map<String, String> values) {
        return new PluginSettings() {
            public String pluginName() { return "watermark"; }
            public Optional<String> get(String key) { return Optional.ofNullable(values.get(key)); }
        };
    }

    private static CachedTask task(String id, long size, int minutesIdle, boolean active) {
        return new CachedTask(id, size, NOW.minus(Duration.ofDays(1)), NOW.minus(Duration.ofMinutes(minutesIdle)), active);
    }

    private final List<CachedTask> cached = List.of(
            task("recent", 100, 1, false),
            task("lru", 100, 50, false),
            task("lru-but-active", 100, 90, true),
            task("middle", 100, 20, false));

    @Test
    void belowHighWatermarkNothingIsEvicted() {
        var policy = new WatermarkGcPolicyFactory().create(settings(Map.of("high", "0.8", "low", "0.5")));
        assertEquals(List.of(), policy.selectEvictions(cached, new DiskUsage(1000, 800), NOW));
    }

    @Test
    void aboveHighEvictsLeastRecentlyUsedUntilLow() {
        var policy = new WatermarkGcPolicyFactory().create(settings(Map.of("high", "0.8", "low", "0.65")));
        // 850 used of 1000; target 650: two tasks of 100 go, the active one stays
        List<CachedTask> evicted = policy.selectEvictions(cached, new DiskUsage(1000, 850), NOW);
        assertEquals(List.of("lru", "middle"), evicted.stream().map(CachedTask::taskId).toList());
    }

    @Test
    void defaultsAndValidation() {
        WatermarkGcPolicy p = (WatermarkGcPolicy) new WatermarkGcPolicyFactory().create(settings(Map.of()));
        assertEquals(0.8, p.high());
        assertEquals(0.6, p.low());
        var e = assertThrows(InvalidPluginSettingException.class,
                () -> new WatermarkGcPolicyFactory().create(settings(Map.of("high", "0.5", "low", "0.7"))));
        assertTrue(e.getMessage().contains("dfly.plugin.watermark.low"));
        assertThrows(InvalidPluginSettingException.class,
                () -> new WatermarkGcPolicyFactory().create(settings(Map.of("high", "90%"))));
    }

    @Test
    void foundThroughServiceLoader() {
        assertTrue(ServiceLoader.load(Plugin.class).stream().map(ServiceLoader.Provider::get)
                .flatMap(p -> p.gcPolicyFactories().stream()).anyMatch(f -> f.name().equals("watermark")));
    }
}
