package io.dfly.dfdaemon.mirror;

import io.dfly.core.download.Downloader;
import io.dfly.dfdaemon.config.DfdaemonSettings;
import io.dfly.mirror.MirrorConfig;
import io.dfly.mirror.RegistryMirror;
import io.dfly.mirror.TimeToFirstByte;
import io.dfly.core.metrics.Meters;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;

import io.dfly.core.plugin.PluginCatalog;
import io.dfly.core.security.SafeUrls;
import io.dfly.microprofile.MicroProfileSettings;
import io.dfly.spi.AuthProvider;

import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.logging.Logger;

/** Builds the one {@link RegistryMirror} of this dfdaemon from its settings, plugins and P2P engine. */
@ApplicationScoped
public class MirrorService {
    private static final Logger LOG = Logger.getLogger("io.dfly.dfdaemon.mirror");

    @Inject
    Instance<Downloader> downloaders;
    @Inject
    DfdaemonSettings settings;
    @Inject
    PluginCatalog plugins;
    @Inject
    Meters meters;


    private RegistryMirror mirror;
    private TimeToFirstByte timeToFirstByte;

    @PostConstruct
    void init() {
        MirrorConfig mc = new MirrorConfig(settings.registry(), settings.registryRoutes(),
                settings.insecureRegistries(), settings.p2pMinSize(), settings.backToSource(), settings.origins());
        Supplier<Downloader> engine = () -> downloaders.isResolvable() ? downloaders.get() : null;
        Function<String, Optional<String>> props = MicroProfileSettings.properties();
        List<AuthProvider> auth = plugins.createAuthProviders(settings.authProviders(), props);
        timeToFirstByte = new TimeToFirstByte(meters);
        mirror = RegistryMirror.create(mc, plugins.registryBackends(), auth, props, engine);
        List<String> routes = settings.registryRoutes().stream().map(r -> r.indexOf('=') < 0 ? SafeUrls.display(r)
                : r.substring(0, r.indexOf('=') + 1) + SafeUrls.display(r.substring(r.indexOf('=') + 1))).toList();
        LOG.info("dfly mirror: default upstream " + SafeUrls.display(settings.registry()) + ", routes " + routes
                + ", P2P engine " + (downloaders.isResolvable() ? "present" : "absent (blobs pass straight through)"));
    }

    public RegistryMirror mirror() {
        return mirror;
    }

    public TimeToFirstByte timeToFirstByte() {
        return timeToFirstByte;
    }

}
