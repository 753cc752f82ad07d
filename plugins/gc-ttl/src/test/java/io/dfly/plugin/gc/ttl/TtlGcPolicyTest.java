package io.dfly.plugin.gc.ttl;

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

class TtlGcPolicyTest {
    private static final Instant NOW = Instant.parse("2026-01-01T12:00:00Z");

    private static PluginSettings settings(Map<String, String> values) {
        return new PluginSettings() {
            public String pluginName() { return "ttl"; }
            public Optional<String> get(String key) { return Optional.ofNullable(values.get(key)); }
        };
    }

    private static CachedTask task(String id, Duration idle, boolean active) {
        return new CachedTask(id, 100, NOW.minus(Duration.ofDays(10)), NOW.minus(idle), active);
    }

    @Test
    void evictsOnlyIdleInactiveTasksOldestFirst() {
        var policy = new TtlGcPolicyFactory().create(settings(Map.of("max-idle", "1h")));
        List<CachedTask> cached = List.of(task("fresh", Duration.ofMinutes(5), false),
                task("old", Duration.ofHours(2), false),
                task("older", Duration.ofHours(5), false),
                task("old-but-active", Duration.ofHours(9), true));
        List<CachedTask> evicted = policy.selectEvictions(cached, new DiskUsage(1000, 10), NOW);
        assertEquals(List.of("older", "old"), evicted.stream().map(CachedTask::taskId).toList());
    }

    @Test
    void defaultIsOneDayAndBadValueNamesTheProperty() {
        assertEquals(Duration.ofHours(24), ((TtlGcPolicy) new TtlGcPolicyFactory().create(settings(Map.of()))).maxIdle());
        var e = assertThrows(InvalidPluginSettingException.class,
                () -> new TtlGcPolicyFactory().create(settings(Map.of("max-idle", "soon"))));
        assertTrue(e.getMessage().contains("dfly.plugin.ttl.max-idle"), e.getMessage());
    }

    @Test
    void foundThroughServiceLoader() {
        boolean found = ServiceLoader.load(Plugin.class).stream().map(ServiceLoader.Provider::get)
                .flatMap(p -> p.gcPolicyFactories().stream()).anyMatch(f -> f.name().equals("ttl"));
        assertTrue(found);
    }
}
