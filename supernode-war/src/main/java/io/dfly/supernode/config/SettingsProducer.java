package io.dfly.supernode.config;

import io.dfly.core.plugin.PluginCatalog;
import io.dfly.microprofile.MicroProfileSettings;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Gives the supernode's beans its {@link SupernodeSettings} (read through {@link MicroProfileSettings})
 * and secrets, and checks them all as the application starts: a bad value, an unknown plugin name
 * or a bad secret file stops the process with one line naming it. Producers are {@code @Singleton} (no
 * client proxy) because the settings and catalog classes are final value holders.
 */
@ApplicationScoped
public class SettingsProducer {
    private static final Logger LOG = Logger.getLogger("io.dfly.supernode");

    @Inject
    Instance<PluginCatalog> plugins; // got inside the start-up check, which reports a bad plugin in one line
    // read once: the startup check below and the producers share them
    private SupernodeSettings settings;
    private SupernodeSecrets secrets;

    @Produces
    @Singleton
    public synchronized SupernodeSettings settings() {
        if (settings == null) {
            settings = new SupernodeSettings(MicroProfileSettings.settings());
        }
        return settings;
    }

    /** The cluster secret and operator token (files read once; a default file missing is created). */
    @Produces
    @Singleton
    public synchronized SupernodeSecrets secrets() {
        if (secrets == null) {
            SupernodeSettings s = settings();
            secrets = SupernodeSecrets.load(s, SettingsProducer::notice);
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
        MicroProfileSettings.check("supernode", () -> {
            SupernodeSettings s = settings();
            PluginCatalog catalog = plugins.get(); // io.dfly.microprofile.PluginsProducer
            secrets();
            // create each configured plugin once, so a bad dfly.plugin.<name>.* value fails here, not later
            catalog.createGcPolicies(s.gcPolicies(), MicroProfileSettings.properties());
            LOG.info(() -> "dfly supernode settings OK; plugins: registry backends " + catalog.registryBackendNames()
                    + ", auth providers " + catalog.authProviderNames() + ", GC policies " + catalog.gcPolicyNames());
        });
    }
}
