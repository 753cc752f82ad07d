package io.dfly.microprofile;

import io.dfly.core.plugin.PluginCatalog;
import io.dfly.core.plugin.PluginLoader;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * Gives either WAR's beans its plugins: the built-in ones in the WAR and the jars in
 * {@code dfly.plugins.dir} ({@link PluginLoader}), loaded once. {@code @Singleton}: no client proxy for
 * the final catalog class.
 */
@ApplicationScoped
public class PluginsProducer {
    public static final String PLUGINS_DIR = "dfly.plugins.dir";

    @Produces
    @Singleton
    public PluginCatalog plugins() {
        return PluginLoader.load(PluginsProducer.class.getClassLoader(), MicroProfileSettings.settings().existingDir(PLUGINS_DIR));
    }
}
