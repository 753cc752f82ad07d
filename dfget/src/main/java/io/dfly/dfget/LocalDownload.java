package io.dfly.dfget;

import io.dfly.core.config.AdvertiseAddress;
import io.dfly.core.download.DownloadException;
import io.dfly.core.download.DownloadHandle;
import io.dfly.core.download.DownloadProgress;
import io.dfly.core.download.DownloadRequest;
import io.dfly.core.download.DownloadResult;
import io.dfly.core.security.ClusterSecret;
import io.dfly.core.security.OriginPolicy;
import io.dfly.engine.EngineConfig;
import io.dfly.engine.P2PEngine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * dfget without a dfdaemon: the engine runs in this process with its own upload port (granted peers only),
 * then leaves the swarm. It fetches for its own user, so any origin is allowed.
 */
final class LocalDownload {
    private LocalDownload() {
    }

    static DownloadProgress run(DfgetArgs a, ClusterSecret secret, ProgressReporter reporter, Path tmp)
            throws DfgetException, InterruptedException {
        EngineConfig config;
        try {
            Files.createDirectories(a.dataDir());
        } catch (IOException e) {
            throw new DfgetException("cannot create data dir " + a.dataDir() + ": " + e.getMessage());
        }
        config = EngineConfig.builder(a.dataDir()).supernodes(a.supernodes()).uploadPort(0)
                .advertiseIp(AdvertiseAddress.resolve(a.advertiseIp())).rateLimit(a.rateLimit())
                .supernodesSetting("--supernodes").dataDirSetting("--data-dir").clusterSecret(secret)
                .origins(OriginPolicy.allowAll()).build(); // piece deadlines: the engine's default floor rate
        long deadline = System.nanoTime() + a.timeout().toNanos();
        try (P2PEngine engine = new P2PEngine(config)) {
            DownloadHandle handle;
            try {
                handle = engine.start(new DownloadRequest(a.url(), a.headers(), a.digest(), a.identifier(), a.backToSource()));
            } catch (DownloadException e) {
                throw new DfgetException(e.getMessage());
            }
            DownloadResult result = null;
            while (result == null) {
                if (System.nanoTime() > deadline) {
                    handle.cancel();
                    throw new DfgetException("timed out after " + DfgetArgs.formatDuration(a.timeout()) + " (" +
                            handle.progress().completedBytes() + " bytes done); raise --timeout or check the network");
                }
                try {
                    result = handle.completion().get(200, TimeUnit.MILLISECONDS);
                } catch (TimeoutException e) {
                    reporter.update(handle.progress());
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause() == null ? e : e.getCause();
                    throw new DfgetException(cause.getMessage());
                }
            }
            try {
                Files.copy(result.file(), tmp, StandardCopyOption.REPLACE_EXISTING);
                Files.move(tmp, a.output(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                throw new DfgetException("cannot write " + a.output() + ": " + e.getMessage());
            }
            return result.progress();
        }
    }
}
