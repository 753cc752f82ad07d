package io.dfly.dfdaemon.config;

import io.dfly.core.config.InvalidSettingException;
import io.dfly.core.config.Settings;
import io.dfly.core.plugin.PluginCatalog;
import io.dfly.core.plugin.PluginException;
import io.dfly.core.plugin.PluginLoader;
import io.dfly.core.security.SecretFiles;
import io.dfly.spi.InvalidPluginSettingException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Reads {@link DfdaemonSettings} from MicroProfile Config (system properties, `DFLY_...` environment
 * variables, {@code --systemproperties} files), loads the plugins, and fails startup on a bad value, an
 * unknown plugin name or a missing cluster secret with one line naming the property. Producers are {@code @Singleton} (no
 * client proxy) because the settings and catalog classes are final value holders.
 */
@ApplicationScoped
public class MicroProfileSettings {
    private static final Logger LOG = Logger.getLogger("io.dfly.dfdaemon");

    /** Reads and validates all settings. */
    public static DfdaemonSettings load() {
        Config config = ConfigProvider.getConfig();
        return new DfdaemonSettings(new Settings(key -> config.getOptionalValue(key, String.class)));
    }

    /** Plugin lookup for {@code dfly.plugin.<name>.*} settings. */
    public static java.util.function.Function<String, java.util.Optional<String>> properties() {
        Config config = ConfigProvider.getConfig();
        return key -> config.getOptionalValue(key, String.class);
    }

    // read once: the startup check below and the producers share them
    private DfdaemonSettings settings;
    private PluginCatalog catalog;

    @Produces
    @Singleton
    public synchronized DfdaemonSettings settings() {
        if (settings == null) {
            settings = load();
        }
        return settings;
    }

    @Produces
    @Singleton
    public synchronized PluginCatalog plugins() {
        if (catalog == null) {
            catalog = PluginLoader.load(MicroProfileSettings.class.getClassLoader(), settings().pluginsDir());
        }
        return catalog;
    }

    /** Validates every setting and plugin name as the application starts; a bad one stops the process. */
    void onStart(@Observes @Initialized(ApplicationScoped.class) Object ignored) {
        try {
            DfdaemonSettings s = settings();
            PluginCatalog catalog = plugins();
            // create each configured plugin once, so a bad dfly.plugin.<name>.* value fails here, not later
            catalog.createGcPolicies(s.gcPolicies(), properties());
            catalog.createAuthProviders(s.authProviders(), properties());
            if (SecretFiles.readableByOthers(s.clusterSecretFile())) {
                LOG.warning("the cluster secret " + s.clusterSecretFile() + " is readable by other users: chmod 600 "
                        + s.clusterSecretFile());
            }
            LOG.info(() -> "dfly dfdaemon settings OK; cluster secret " + s.clusterSecretFile() + "; mirror and dfget API on "
                    + s.listenAddress() + ":" + s.port() + ", peer uploads on port " + s.uploadPort() + "; plugins: registry backends "
                    + catalog.registryBackendNames() + ", auth providers " + catalog.authProviderNames() + ", GC policies "
                    + catalog.gcPolicyNames());
        } catch (InvalidSettingException | PluginException | InvalidPluginSettingException | SecretFiles.SecretFileException e) {
            stop(e.getMessage());
        }
    }

    /** Stops the whole Payara Micro process with one line: a node with a wrong setting must not half-run. */
    public static void stop(String why) {
        LOG.log(Level.SEVERE, "dfly dfdaemon cannot start: {0}", why);
        System.err.println("dfly dfdaemon cannot start: " + why);
        System.err.flush();
        Runtime.getRuntime().halt(2);
    }
}
