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
    private static final Path README = ROOT.resolve("README.md");

    @Test
    void readmeNamesOnlyRealProperties() throws Exception {
        assertEquals(Set.of(), DocumentedProperties.unknownInReadme(README, "dfly.supernode.", SupernodeSettings.class),
                "README names properties that SupernodeSettings does not read");
    }

    @Test
    void everyPropertyIsInTheReadme() throws Exception {
        assertEquals(Set.of(), DocumentedProperties.missingFromReadme(README, SupernodeSettings.class),
                "properties missing from the README's tables");
    }

    @Test
    void sampleConfigLoadsAndNamesOnlyRealProperties(@TempDir Path tmp) throws Exception {
        Properties sample = DocumentedProperties.load(ROOT.resolve("config/supernode.properties"), true);
        PluginCatalog catalog = PluginLoader.load(getClass().getClassLoader(), Optional.empty());
        Set<String> plugins = new TreeSet<>(catalog.gcPolicyNames());
        plugins.addAll(catalog.authProviderNames());
        plugins.addAll(catalog.registryBackendNames());
        assertEquals(Set.of(), DocumentedProperties.unknownInSample(sample, SupernodeSettings.class, plugins),
                "config/supernode.properties names unknown properties");

        sample.setProperty(SupernodeSettings.DATA_DIR, tmp.toString());
        sample.remove(SupernodeSettings.PLUGINS_DIR);
        SupernodeSettings settings = new SupernodeSettings(new Settings(k -> Optional.ofNullable(sample.getProperty(k))));
        assertTrue(settings.port() > 0);
        catalog.createGcPolicies(settings.gcPolicies(), k -> Optional.ofNullable(sample.getProperty(k)));
    }
}
