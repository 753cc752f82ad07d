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
    private static final Path README = ROOT.resolve("README.md");

    @Test
    void readmeNamesOnlyRealProperties() throws Exception {
        assertEquals(Set.of(), DocumentedProperties.unknownInReadme(README, "dfly.dfdaemon.", DfdaemonSettings.class),
                "README names properties that DfdaemonSettings does not read");
    }

    @Test
    void everyPropertyIsInTheReadme() throws Exception {
        assertEquals(Set.of(), DocumentedProperties.missingFromReadme(README, DfdaemonSettings.class),
                "properties missing from the README's tables");
    }

    @Test
    void sampleConfigLoadsAndNamesOnlyRealProperties(@TempDir Path tmp) throws Exception {
        Properties sample = DocumentedProperties.load(ROOT.resolve("config/dfdaemon.properties"), true);
        PluginCatalog catalog = PluginLoader.load(getClass().getClassLoader(), Optional.empty());
        Set<String> plugins = new TreeSet<>(catalog.gcPolicyNames());
        plugins.addAll(catalog.authProviderNames());
        plugins.addAll(catalog.registryBackendNames());
        assertEquals(Set.of(), DocumentedProperties.unknownInSample(sample, DfdaemonSettings.class, plugins),
                "config/dfdaemon.properties names unknown properties");

        sample.setProperty(DfdaemonSettings.DATA_DIR, tmp.toString());
        java.nio.file.Path secret = tmp.resolve("cluster.secret");
        java.nio.file.Files.writeString(secret, "a-test-cluster-secret-0123456789\n");
        sample.setProperty(DfdaemonSettings.CLUSTER_SECRET_FILE, secret.toString());
        sample.remove(DfdaemonSettings.PLUGINS_DIR);
        DfdaemonSettings settings = new DfdaemonSettings(new Settings(k -> Optional.ofNullable(sample.getProperty(k))));
        assertTrue(settings.port() > 0);
        catalog.createGcPolicies(settings.gcPolicies(), k -> Optional.ofNullable(sample.getProperty(k)));
    }
}
