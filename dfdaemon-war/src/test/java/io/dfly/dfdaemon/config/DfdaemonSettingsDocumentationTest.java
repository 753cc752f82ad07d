package io.dfly.dfdaemon.config;

import io.dfly.core.config.DocumentedProperties;
import io.dfly.core.config.Settings;
import io.dfly.core.plugin.PluginCatalog;
import io.dfly.core.plugin.PluginLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every {@code dfly.dfdaemon.*} property the README and config/ name must exist, and the sample must load. */
class DfdaemonSettingsDocumentationTest {
    private static final Path ROOT = Path.of(System.getProperty("dfly.project.root", "..")).toAbsolutePath().normalize();

    @Test
    void readmeNamesOnlyRealProperties() throws Exception {
        Set<String> unknown = new TreeSet<>();
        for (String name : DocumentedProperties.inMarkdown(ROOT.resolve("README.md"))) {
            if (name.startsWith("dfly.dfdaemon.") && !DocumentedProperties.constants(DfdaemonSettings.class).contains(name)) {
                unknown.add(name);
            }
        }
        assertEquals(Set.of(), unknown, "README names properties that DfdaemonSettings does not read");
    }

    @Test
    void everyPropertyIsInTheReadme() throws Exception {
        Set<String> documented = DocumentedProperties.inMarkdown(ROOT.resolve("README.md"));
        Set<String> missing = new TreeSet<>(DocumentedProperties.constants(DfdaemonSettings.class));
        missing.removeAll(documented);
        assertEquals(Set.of(), missing, "properties missing from the README's tables");
    }

    @Test
    void sampleConfigLoadsAndNamesOnlyRealProperties(@TempDir Path tmp) throws Exception {
        Properties sample = DocumentedProperties.load(ROOT.resolve("config/dfdaemon.properties"), true);
        Set<String> known = DocumentedProperties.constants(DfdaemonSettings.class);
        PluginCatalog catalog = PluginLoader.load(getClass().getClassLoader(), Optional.empty());
        Set<String> unknown = new TreeSet<>();
        for (String key : sample.stringPropertyNames()) {
            boolean plugin = key.startsWith("dfly.plugin.")
                    && catalog.gcPolicyNames().contains(key.split("\\.")[2])
                    || key.startsWith("dfly.plugin.") && catalog.authProviderNames().contains(key.split("\\.")[2])
                    || key.startsWith("dfly.plugin.") && catalog.registryBackendNames().contains(key.split("\\.")[2]);
            if (!known.contains(key) && !plugin) {
                unknown.add(key);
            }
        }
        assertEquals(Set.of(), unknown, "config/dfdaemon.properties names unknown properties");

        sample.setProperty(DfdaemonSettings.DATA_DIR, tmp.toString());
        sample.remove(DfdaemonSettings.PLUGINS_DIR);
        DfdaemonSettings settings = new DfdaemonSettings(new Settings(k -> Optional.ofNullable(sample.getProperty(k))));
        assertTrue(settings.port() > 0);
        catalog.select(settings.gcPolicies(), catalog::gcPolicy);
    }
}
