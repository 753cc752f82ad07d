package io.dfly.it.p2p;

import io.dfly.core.config.HostPort;
import io.dfly.core.download.DownloadHandle;
import io.dfly.core.download.DownloadRequest;
import io.dfly.core.download.DownloadResult;
import io.dfly.core.piece.Digests;
import io.dfly.engine.EngineConfig;
import io.dfly.engine.P2PEngine;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** Helpers shared by the P2P integration tests: in-JVM engines on loopback, digests, log capture. */
final class EngineFixture {
    private EngineFixture() {
    }

    /** An engine with its own upload port and data dir, advertising 127.0.0.1. */
    static P2PEngine engine(Path dataDir, String peerId, List<HostPort> supernodes) {
        return new P2PEngine(EngineConfig.builder(dataDir).peerId(peerId).supernodes(supernodes)
                .advertiseIp("127.0.0.1").uploadPort(0).clusterSecret(io.dfly.it.harness.TestSecrets.secret())
                .heartbeatInterval(java.time.Duration.ofSeconds(2)).build());
    }

    static HostPort hostPort(String text) {
        return HostPort.parse(text, 8002);
    }

    static DownloadRequest request(String url, boolean backToSource) {
        return new DownloadRequest(url, Map.of(), null, null, backToSource);
    }

    static DownloadResult await(DownloadHandle h) throws Exception {
        return h.completion().get(3, TimeUnit.MINUTES);
    }

    static String sha256(Path file) throws IOException {
        MessageDigest md = Digests.newSha256();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 20];
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
        }
        return Digests.format(md);
    }

    /** Collects WARNING+ records of the engine's logger while installed. */
    static final class WarnCapture extends Handler implements AutoCloseable {
        final List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
        private final Logger logger = Logger.getLogger("io.dfly.engine");

        WarnCapture() {
            logger.addHandler(this);
        }

        @Override
        public void publish(LogRecord r) {
            if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
                lines.add(r.getMessage());
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
            logger.removeHandler(this);
        }
    }
}
