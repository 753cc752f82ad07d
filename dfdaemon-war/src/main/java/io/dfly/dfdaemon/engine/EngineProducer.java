package io.dfly.dfdaemon.engine;

import io.dfly.core.config.InvalidSettingException;
import io.dfly.core.download.Downloader;
import io.dfly.core.plugin.PluginCatalog;
import io.dfly.dfdaemon.config.DfdaemonSettings;
import io.dfly.dfdaemon.config.MicroProfileSettings;
import io.dfly.engine.EngineConfig;
import io.dfly.engine.P2PEngine;
import io.dfly.spi.GcPolicy;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.Priority;
import jakarta.interceptor.Interceptor;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Dependent;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;

import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The one P2P engine of this dfdaemon host, built from {@link DfdaemonSettings}: pieces are served by
 * dfdaemon's own web server ({@code io.dfly.dfdaemon.peer.PeerUploadResource}) at
 * {@link DfdaemonSettings#advertisedUrl()}. Exposed to other beans as {@link Downloader}; runs the GC
 * policies ({@code dfly.dfdaemon.gc.policies}) every minute.
 */
@ApplicationScoped
public class EngineProducer {
    private static final Logger LOG = Logger.getLogger("io.dfly.dfdaemon");

    @Inject
    DfdaemonSettings settings;
    @Inject
    PluginCatalog plugins;

    private P2PEngine engine;
    private ScheduledExecutorService gc;

    /** The engine, created on first use. */
    public synchronized P2PEngine engine() {
        if (engine == null) {
            engine = new P2PEngine(EngineConfig.builder(settings.dataDir())
                    .supernodes(settings.supernodes())
                    .externalUploadServer(settings.advertisedUrl())
                    .rateLimit(settings.rateLimit())
                    .uploadRateLimit(settings.uploadRateLimit())
                    .pieceParallelism(settings.pieceParallelism())
                    .supernodesSetting(DfdaemonSettings.SUPERNODES)
                    .build());
            LOG.info("dfly engine ready: peer " + engine.config().peerId() + " at " + engine.advertisedUrl()
                    + ", supernodes " + settings.supernodes());
            startGc();
        }
        return engine;
    }

    private void startGc() {
        List<GcPolicy> policies;
        try {
            policies = plugins.createGcPolicies(settings.gcPolicies(), MicroProfileSettings.properties());
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "GC disabled: " + e.getMessage());
            return;
        }
        if (policies.isEmpty()) {
            return;
        }
        gc = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "dfly-gc");
            t.setDaemon(true);
            return t;
        });
        gc.scheduleWithFixedDelay(() -> {
            try {
                engine.collectGarbage(policies);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "GC run failed", e);
            }
        }, 1, 1, TimeUnit.MINUTES);
    }

    /** The host's downloader (the engine), for the registry mirror and the download API. */
    @Produces
    @Dependent
    public Downloader downloader() {
        return engine();
    }

    /**
     * Starts the engine with the application, so completed tasks are served at once after a restart. Runs
     * after the settings validation ({@link MicroProfileSettings}), which reports a bad setting and stops.
     */
    void onStart(@Observes @Priority(Interceptor.Priority.APPLICATION + 1000) @Initialized(ApplicationScoped.class) Object ignored) {
        try {
            engine();
        } catch (InvalidSettingException e) {
            LOG.log(Level.FINE, "engine not started: bad setting (reported by the settings check)", e);
        }
    }

    @PreDestroy
    synchronized void close() {
        if (gc != null) {
            gc.shutdownNow();
        }
        if (engine != null) {
            engine.close();
        }
    }
}
