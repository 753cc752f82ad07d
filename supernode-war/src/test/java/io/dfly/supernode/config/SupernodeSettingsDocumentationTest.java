package io.dfly.supernode.config;

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

/** Every {@code dfly.supernode.*} property the README and config/ name must exist, and the sample must load. */
class SupernodeSettingsDocumentationTest {
    private static final Path ROOT = Path.of(System.getProperty("dfly.project.root", "..")).toAbsolutePath().normalize();

    @Test
    void readmeNamesOnlyRealProperties() throws Exception {
        Set<String> unknown = new TreeSet<>();
        for (String name : DocumentedProperties.inMarkdown(ROOT.resolve("README.md"))) {
            if (name.startsWith("dfly.supernode.") && !DocumentedProperties.constants(SupernodeSettings.class).contains(name)) {
                unknown.add(name);
            }
        }
        assertEquals(Set.of(), unknown, "README names properties that SupernodeSettings does not read");
    }

    @Test
    void everyPropertyIsInTheReadme() throws Exception {
        Set<String> documented = DocumentedProperties.inMarkdown(ROOT.resolve("README.md"));
        Set<String> missing = new TreeSet<>(DocumentedProperties.constants(SupernodeSettings.class));
        missing.removeAll(documented);
        assertEquals(Set.of(), missing, "properties missing from the README's tables");
    }

    @Test
    void sampleConfigLoadsAndNamesOnlyRealProperties(@TempDir Path tmp) throws Exception {
        Properties sample = DocumentedProperties.load(ROOT.resolve("config/supernode.properties"), true);
        Set<String> known = DocumentedProperties.constants(SupernodeSettings.class);
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
        assertEquals(Set.of(), unknown, "config/supernode.properties names unknown properties");

        sample.setProperty(SupernodeSettings.DATA_DIR, tmp.toString());
        sample.remove(SupernodeSettings.PLUGINS_DIR);
        SupernodeSettings settings = new SupernodeSettings(new Settings(k -> Optional.ofNullable(sample.getProperty(k))));
        assertTrue(settings.port() > 0);
        catalog.select(settings.gcPolicies(), catalog::gcPolicy);
    }
}
