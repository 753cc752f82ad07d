package io.dfly.engine;

import io.dfly.core.config.HostPort;
import io.dfly.core.security.ClusterSecret;
import io.dfly.core.security.OriginPolicy;
import io.dfly.core.task.TaskIds;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * Everything one {@link P2PEngine} needs. Build with {@link #builder(Path)}.
 *
 * @param dataDir            where pieces live ({@code <dataDir>/tasks/<taskId>/})
 * @param supernodes         supernodes to register with, tried in order
 * @param peerId             this host's peer id
 * @param advertisedUrl      base URL other peers fetch our pieces from; null = the in-process upload
 *                           server's URL on {@link #advertiseIp}
 * @param uploadPort         port of the in-process upload server (0 = any free port); negative = none
 *                           (someone else serves pieces, through {@link P2PEngine#uploadService()})
 * @param advertiseIp        address put into the in-process upload server's URL
 * @param rateLimit          download bytes/s for the whole host, 0 = unlimited
 * @param uploadRateLimit    upload bytes/s for the whole host, 0 = unlimited
 * @param pieceParallelism   pieces downloaded at once per task
 * @param heartbeatInterval  how often to tell supernodes this peer is alive
 * @param supernodesSetting  name of the setting that lists supernodes (named in the fallback WARN line)
 * @param volatileParams     query parameters ignored when deriving task ids
 * @param clusterSecret      the cluster's shared secret: host tokens to the supernodes and to peers, and the
 *                           key that checks the piece grants of peers fetching from us
 * @param origins            which origins a back-to-source download may reach (first URL and every redirect)
 * @param uploadBindAddress  address the in-process upload server listens on; null = all interfaces
 * @param pieceMinRate       floor rate of a piece fetch, bytes/s: each fetch must end within
 *                           {@value PieceFetcher#DEADLINE_FLOOR_SECONDS} s + length / this, and keep pace with
 *                           that deadline on the way ({@value PieceFetcher#PACE_GRACE_SECONDS} s grace: see
 *                           {@link PieceFetcher}), else it is a failure of its source ({@value #PIECE_MIN_RATE_SETTING})
 * @param dataDirSetting     name of the setting that sets {@code dataDir} (named when the disk is full)
 */
public record EngineConfig(Path dataDir, List<HostPort> supernodes, String peerId, String advertisedUrl,
                           int uploadPort, String advertiseIp, long rateLimit, long uploadRateLimit,
                           int pieceParallelism, Duration heartbeatInterval, String supernodesSetting,
                           List<String> volatileParams, ClusterSecret clusterSecret, OriginPolicy origins,
                           String uploadBindAddress, long pieceMinRate, String dataDirSetting) {
    /** The dfdaemon setting of {@link #pieceMinRate()}, named in the reason of a missed deadline. */
    public static final String PIECE_MIN_RATE_SETTING = "dfly.dfdaemon.piece-min-rate";
    /** Default {@link #pieceMinRate()}: 1 MiB/s. */
    public static final long DEFAULT_PIECE_MIN_RATE = 1L << 20;
    /** Default {@link #dataDirSetting()}. */
    public static final String DATA_DIR_SETTING = "dfly.dfdaemon.data-dir";

    static final String NO_SECRET = "the dfly engine needs the cluster secret (EngineConfig.Builder.clusterSecret):"
            + " every host of a dfly cluster carries a copy of the supernode's " + ClusterSecret.DEFAULT_FILE
            + " (" + ClusterSecret.PROPERTY + ")";

    public EngineConfig {
        Objects.requireNonNull(dataDir, "dataDir");
        if (clusterSecret == null) {
            throw new IllegalStateException(NO_SECRET);
        }
        origins = origins == null ? OriginPolicy.allowAll() : origins;
        if (uploadBindAddress != null && uploadBindAddress.isBlank()) {
            uploadBindAddress = null;
        }
        supernodes = List.copyOf(supernodes);
        if (pieceParallelism < 1) {
            throw new IllegalArgumentException("pieceParallelism must be >= 1");
        }
        if (pieceMinRate <= 0) {
            throw new IllegalArgumentException("pieceMinRate must be > 0 bytes/s (" + PIECE_MIN_RATE_SETTING + ")");
        }
        dataDirSetting = dataDirSetting == null || dataDirSetting.isBlank() ? DATA_DIR_SETTING : dataDirSetting;
    }

    public static Builder builder(Path dataDir) {
        return new Builder(dataDir);
    }

    /** Fluent builder with the defaults of a dfdaemon. */
    public static final class Builder {
        private final Path dataDir;
        private List<HostPort> supernodes = List.of(new HostPort("127.0.0.1", 8002));
        private String peerId;
        private String advertisedUrl;
        private int uploadPort = 0;
        private String advertiseIp = "127.0.0.1";
        private long rateLimit;
        private long uploadRateLimit;
        private int pieceParallelism = 3;
        private Duration heartbeatInterval = Duration.ofSeconds(5);
        private String supernodesSetting = "dfly.dfdaemon.supernodes";
        private List<String> volatileParams = TaskIds.DEFAULT_VOLATILE_PARAMS;
        private ClusterSecret clusterSecret;
        private OriginPolicy origins = OriginPolicy.allowAll();
        private String uploadBindAddress;
        private long pieceMinRate = DEFAULT_PIECE_MIN_RATE;
        private String dataDirSetting = DATA_DIR_SETTING;

        private Builder(Path dataDir) {
            this.dataDir = dataDir;
        }

        public Builder supernodes(List<HostPort> v) { supernodes = v; return this; }
        public Builder peerId(String v) { peerId = v; return this; }
        /** Pieces are served by someone else at this base URL (through {@link P2PEngine#uploadService()}); no in-process server. */
        public Builder externalUploadServer(String baseUrl) { advertisedUrl = baseUrl; uploadPort = -1; return this; }
        public Builder uploadPort(int v) { uploadPort = v; return this; }
        public Builder advertiseIp(String v) { advertiseIp = v; return this; }
        public Builder rateLimit(long v) { rateLimit = v; return this; }
        public Builder uploadRateLimit(long v) { uploadRateLimit = v; return this; }
        public Builder pieceParallelism(int v) { pieceParallelism = v; return this; }
        public Builder heartbeatInterval(Duration v) { heartbeatInterval = v; return this; }
        public Builder supernodesSetting(String v) { supernodesSetting = v; return this; }
        public Builder volatileParams(List<String> v) { volatileParams = v; return this; }
        /** Required: the cluster secret ({@link ClusterSecret#load}); {@link #build()} fails without it. */
        public Builder clusterSecret(ClusterSecret v) { clusterSecret = v; return this; }
        /** Origins back-to-source may reach; default {@link OriginPolicy#allowAll()} (dfget for its own user). */
        public Builder origins(OriginPolicy v) { origins = v; return this; }
        /** Address the in-process upload server listens on; default all interfaces. */
        public Builder uploadBindAddress(String v) { uploadBindAddress = v; return this; }
        /** Floor rate of a piece fetch, bytes/s (default 1 MiB/s); see {@link EngineConfig#pieceMinRate()}. */
        public Builder pieceMinRate(long v) { pieceMinRate = v; return this; }
        /** Name of the setting that set the data dir, for the disk-full message (default dfly.dfdaemon.data-dir). */
        public Builder dataDirSetting(String v) { dataDirSetting = v; return this; }

        /** @throws IllegalStateException without {@link #clusterSecret(ClusterSecret)} */
        public EngineConfig build() {
            if (clusterSecret == null) {
                throw new IllegalStateException(NO_SECRET);
            }
            String id = peerId != null ? peerId : defaultPeerId();
            return new EngineConfig(dataDir, supernodes, id, advertisedUrl, uploadPort, advertiseIp, rateLimit,
                    uploadRateLimit, pieceParallelism, heartbeatInterval, supernodesSetting, volatileParams,
                    clusterSecret, origins, uploadBindAddress, pieceMinRate, dataDirSetting);
        }

        private String defaultPeerId() {
            String host;
            try {
                host = java.net.InetAddress.getLocalHost().getHostName();
            } catch (Exception e) {
                host = "peer";
            }
            return host.replaceAll("[^A-Za-z0-9.-]", "-") + "-" + UUID.randomUUID().toString().substring(0, 8);
        }
    }
}
