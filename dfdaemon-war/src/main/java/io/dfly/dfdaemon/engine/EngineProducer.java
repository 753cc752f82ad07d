package io.dfly.dfdaemon.engine;

import io.dfly.core.config.InvalidSettingException;
import io.dfly.core.download.Downloader;
import io.dfly.core.metrics.Meters;
import io.dfly.core.plugin.PluginCatalog;
import io.dfly.dfdaemon.config.DfdaemonSettings;
import io.dfly.microprofile.MicroProfileSettings;
import io.dfly.engine.EngineConfig;
import io.dfly.engine.P2PEngine;
import io.dfly.spi.GcPolicy;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.Priority;
import jakarta.interceptor.Interceptor;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Dependent;
import io.dfly.core.jvm.CompilerPolicy;
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
 * The one P2P engine of this dfdaemon host, built from {@link DfdaemonSettings}: pieces are served by the
 * engine's own upload server on {@code dfly.dfdaemon.upload-port} (all interfaces; enrolled, granted peers
 * only), not by Payara, whose port answers this host only ({@code dfly.dfdaemon.listen-address}). Exposed to
 * other beans as {@link Downloader}; runs the GC policies ({@code dfly.dfdaemon.gc.policies}) every minute.
 */
@ApplicationScoped
public class EngineProducer {
    private static final Logger LOG = Logger.getLogger("io.dfly.dfdaemon");

    @Inject
    DfdaemonSettings settings;
    @Inject
    PluginCatalog plugins;
    @Inject
    Meters meters;

    private P2PEngine engine;
    private ScheduledExecutorService gc;

    /** The engine, created on first use. */
    public synchronized P2PEngine engine() {
        if (engine == null) {
            CompilerPolicy.apply(settings.c2ForFrameworks(), DfdaemonSettings.C2_FOR_FRAMEWORKS, LOG);
            engine = new P2PEngine(EngineConfig.builder(settings.dataDir())
                    .supernodes(settings.supernodes())
                    .uploadPort(settings.uploadPort())
                    .advertiseIp(settings.advertiseIp())
                    .clusterSecret(settings.clusterSecret())
                    .origins(settings.origins())
                    .rateLimit(settings.rateLimit())
                    .uploadRateLimit(settings.uploadRateLimit())
                    .pieceParallelism(settings.pieceParallelism())
                    .pieceMinRate(settings.pieceMinRate())
                    .supernodesSetting(DfdaemonSettings.SUPERNODES)
                    .dataDirSetting(DfdaemonSettings.DATA_DIR)
                    .build(), meters);
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
     * after the settings validation ({@link io.dfly.dfdaemon.config.SettingsProducer}), which reports a bad setting and stops.
     */
    void onStart(@Observes @Priority(Interceptor.Priority.APPLICATION + 1000) @Initialized(ApplicationScoped.class) Object ignored) {
        try {
            engine();
        } catch (InvalidSettingException | io.dfly.core.security.SecretFiles.SecretFileException e) {
            LOG.log(Level.FINE, "engine not started: bad setting (reported by the settings check)", e);
        } catch (java.io.UncheckedIOException e) {
            MicroProfileSettings.stop("dfdaemon", e.getMessage() + " (" + DfdaemonSettings.UPLOAD_PORT + ")");
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
