package io.dfly.spi;

import java.util.Optional;

/**
 * A plugin's own settings: the MicroProfile Config properties {@code dfly.plugin.<name>.<key>}.
 * The host reads them; a plugin never touches the config system directly, so it stays JDK-only.
 */
public interface PluginSettings {
    /** The plugin's name, as in {@code dfly.plugin.<name>.*}. */
    String pluginName();

    /** The value of {@code dfly.plugin.<name>.<key>}, if set. */
    Optional<String> get(String key);

    default String get(String key, String defaultValue) {
        return get(key).orElse(defaultValue);
    }

    /** Fails with a message naming the full property when the value is missing. */
    default String require(String key) {
        return get(key).orElseThrow(() -> new InvalidPluginSettingException(
                "missing required property dfly.plugin." + pluginName() + "." + key));
    }
}
