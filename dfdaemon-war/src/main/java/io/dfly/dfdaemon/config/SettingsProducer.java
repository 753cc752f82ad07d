package io.dfly.dfdaemon.config;

import io.dfly.core.plugin.PluginCatalog;
import io.dfly.core.security.SecretFiles;
import io.dfly.microprofile.MicroProfileSettings;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import java.util.logging.Logger;

/**
 * Gives the dfdaemon's beans its {@link DfdaemonSettings} (read through {@link MicroProfileSettings}),
 * and checks them and the plugins as the application starts: a bad value, an unknown plugin name or a missing
 * cluster secret stops the process with one line naming it. Producers are {@code @Singleton} (no client
 * proxy) because the settings and catalog classes are final value holders.
 */
@ApplicationScoped
public class SettingsProducer {
    private static final Logger LOG = Logger.getLogger("io.dfly.dfdaemon");

    @Inject
    Instance<PluginCatalog> plugins; // got inside the start-up check, which reports a bad plugin in one line
    // read once: the startup check below and the producers share them
    private DfdaemonSettings settings;

    @Produces
    @Singleton
    public synchronized DfdaemonSettings settings() {
        if (settings == null) {
            settings = new DfdaemonSettings(MicroProfileSettings.settings());
        }
        return settings;
    }

    /** Validates every setting and plugin name as the application starts; a bad one stops the process. */
    void onStart(@Observes @Initialized(ApplicationScoped.class) Object ignored) {
        MicroProfileSettings.check("dfdaemon", () -> {
            DfdaemonSettings s = settings();
            PluginCatalog catalog = plugins.get(); // io.dfly.microprofile.PluginsProducer
            // create each configured plugin once, so a bad dfly.plugin.<name>.* value fails here, not later
            catalog.createGcPolicies(s.gcPolicies(), MicroProfileSettings.properties());
            catalog.createAuthProviders(s.authProviders(), MicroProfileSettings.properties());
            if (SecretFiles.readableByOthers(s.clusterSecretFile())) {
                LOG.warning("the cluster secret " + s.clusterSecretFile() + " is readable by other users: chmod 600 "
                        + s.clusterSecretFile());
            }
            LOG.info(() -> "dfly dfdaemon settings OK; cluster secret " + s.clusterSecretFile() + "; mirror and dfget API on "
                    + s.listenAddress() + ":" + s.port() + ", peer uploads on port " + s.uploadPort() + "; plugins: registry backends "
                    + catalog.registryBackendNames() + ", auth providers " + catalog.authProviderNames() + ", GC policies "
                    + catalog.gcPolicyNames());
        });
    }
}
