package io.dfly.core.plugin;

import io.dfly.spi.CachedTask;
import io.dfly.spi.DiskUsage;
import io.dfly.spi.GcPolicy;
import io.dfly.spi.GcPolicyFactory;
import io.dfly.spi.Plugin;
import io.dfly.spi.PluginSettings;

import java.time.Instant;
import java.util.List;

/** A plugin on the host's class path, as the WAR's built-in plugins are. */
public class BuiltInTestPlugin implements Plugin {
    @Override
    public List<GcPolicyFactory> gcPolicyFactories() {
        return List.of(new GcPolicyFactory() {
            @Override
            public String name() {
                return "keep-all";
            }

            @Override
            public GcPolicy create(PluginSettings settings) {
                String label = settings.get("label", "none");
                return new GcPolicy() {
                    @Override
                    public String name() {
                        return "keep-all:" + label;
                    }

                    @Override
                    public List<CachedTask> selectEvictions(List<CachedTask> cached, DiskUsage disk, Instant now) {
                        return List.of();
                    }
                };
            }
        });
    }
}
