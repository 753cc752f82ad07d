package io.dfly.supernode.config;

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
 * Reads {@link SupernodeSettings} from MicroProfile Config (system properties, `DFLY_...` environment
 * variables, {@code --systemproperties} files), loads the plugins, and fails startup on a bad value or
 * an unknown plugin name with one line naming the property. Producers are {@code @Singleton} (no
 * client proxy) because the settings and catalog classes are final value holders.
 */
@ApplicationScoped
public class MicroProfileSettings {
    private static final Logger LOG = Logger.getLogger("io.dfly.supernode");

    /** Reads and validates all settings. */
    public static SupernodeSettings load() {
        Config config = ConfigProvider.getConfig();
        return new SupernodeSettings(new Settings(key -> config.getOptionalValue(key, String.class)));
    }

    /** Plugin lookup for {@code dfly.plugin.<name>.*} settings. */
    public static java.util.function.Function<String, java.util.Optional<String>> properties() {
        Config config = ConfigProvider.getConfig();
        return key -> config.getOptionalValue(key, String.class);
    }

    // read once: the startup check below and the producers share them
    private SupernodeSettings settings;
    private PluginCatalog catalog;
    private SupernodeSecrets secrets;

    @Produces
    @Singleton
    public synchronized SupernodeSettings settings() {
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

    /** The cluster secret and operator token (files read once; a default file missing is created). */
    @Produces
    @Singleton
    public synchronized SupernodeSecrets secrets() {
        if (secrets == null) {
            SupernodeSettings s = settings();
            secrets = SupernodeSecrets.load(s, MicroProfileSettings::notice);
            LOG.info(() -> "dfly supernode: cluster secret " + s.clusterSecretFile() + " (" + SupernodeSettings.CLUSTER_SECRET_FILE
                    + "; every dfdaemon and dfget host needs a copy), operator API token " + s.apiTokenFile() + " ("
                    + SupernodeSettings.API_TOKEN_FILE + ")");
        }
        return secrets;
    }

    /** A secret file was created, or is readable by others: worth the operator's attention. */
    private static void notice(String message) {
        LOG.log(message.startsWith("created") ? Level.INFO : Level.WARNING, message);
    }

    /** Validates every setting and plugin name as the application starts; a bad one stops the process. */
    void onStart(@Observes @Initialized(ApplicationScoped.class) Object ignored) {
        try {
            SupernodeSettings s = settings();
            PluginCatalog catalog = plugins();
            secrets();
            // create each configured plugin once, so a bad dfly.plugin.<name>.* value fails here, not later
            catalog.createGcPolicies(s.gcPolicies(), properties());
            LOG.info(() -> "dfly supernode settings OK; plugins: registry backends " + catalog.registryBackendNames()
                    + ", auth providers " + catalog.authProviderNames() + ", GC policies " + catalog.gcPolicyNames());
        } catch (InvalidSettingException | PluginException | InvalidPluginSettingException | SecretFiles.SecretFileException e) {
            LOG.log(Level.SEVERE, "dfly supernode cannot start: {0}", e.getMessage());
            System.err.println("dfly supernode cannot start: " + e.getMessage());
            System.err.flush();
            // a node with a wrong setting must not half-run: stop the whole Payara Micro process
            Runtime.getRuntime().halt(2);
        }
    }
}
