package io.dfly.core.plugin;

import io.dfly.spi.PluginSettings;

import java.util.Optional;
import java.util.function.Function;

/** {@link PluginSettings} over any property lookup: key {@code k} of plugin {@code p} is {@code dfly.plugin.p.k}. */
public final class MapPluginSettings implements PluginSettings {
    private final String name;
    private final Function<String, Optional<String>> properties;

    public MapPluginSettings(String name, Function<String, Optional<String>> properties) {
        this.name = name;
        this.properties = properties;
    }

    @Override
    public String pluginName() {
        return name;
    }

    @Override
    public Optional<String> get(String key) {
        return properties.apply("dfly.plugin." + name + "." + key).map(String::trim).filter(s -> !s.isEmpty());
    }
}
