package io.dfly.core.plugin;

import io.dfly.spi.Plugin;

import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * Finds plugins with {@link ServiceLoader}: first those on the host's own class path (built into
 * the WAR), then each jar in the plugin folder ({@code dfly.plugins.dir}), every jar in its own
 * {@link PluginClassLoader}: the SPI and the JDK from the host, the jar's own classes (and any library it
 * bundles) before the host's; plugins in the folder cannot see each other.
 */
public final class PluginLoader {
    private static final Logger LOG = Logger.getLogger(PluginLoader.class.getName());

    private PluginLoader() {
    }

    /**
     * @param hostLoader class loader of the host (the WAR's), for built-in plugins
     * @param pluginsDir optional folder of plugin jars
     */
    public static PluginCatalog load(ClassLoader hostLoader, Optional<Path> pluginsDir) {
        PluginCatalog catalog = new PluginCatalog();
        for (Plugin p : services(ServiceLoader.load(Plugin.class, hostLoader), "built-in")) {
            catalog.add(p, "built-in");
        }
        if (pluginsDir.isPresent()) {
            for (Path jar : jars(pluginsDir.get())) {
                ClassLoader loader = new PluginClassLoader("dfly-plugin:" + jar.getFileName(), toUrl(jar),
                        Plugin.class.getClassLoader());
                List<Plugin> found = services(ServiceLoader.load(Plugin.class, loader), jar.toString()).stream()
                        // ServiceLoader also sees the parent's services: keep only the jar's own
                        .filter(p -> p.getClass().getClassLoader() == loader).toList();
                if (found.isEmpty()) {
                    LOG.warning("plugin jar " + jar + " declares no io.dfly.spi.Plugin in META-INF/services; ignored");
                }
                for (Plugin p : found) {
                    catalog.add(p, jar.toString());
                    LOG.info("loaded plugin " + p.getClass().getName() + " from " + jar);
                }
            }
        }
        return catalog;
    }

    private static List<Plugin> services(ServiceLoader<Plugin> loader, String origin) {
        try {
            return loader.stream().map(ServiceLoader.Provider::get).toList();
        } catch (ServiceConfigurationError e) {
            throw new PluginException("cannot load plugin from " + origin + ": " + e.getMessage(), e);
        }
    }

    private static List<Path> jars(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new PluginException("plugin folder " + dir + " (dfly.plugins.dir) is not a readable directory");
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".jar")).sorted().toList();
        } catch (IOException e) {
            throw new PluginException("cannot list plugin folder " + dir + " (dfly.plugins.dir): " + e.getMessage(), e);
        }
    }

    private static URL toUrl(Path jar) {
        try {
            return jar.toUri().toURL();
        } catch (MalformedURLException e) {
            throw new PluginException("bad plugin jar path " + jar, e);
        }
    }
}
