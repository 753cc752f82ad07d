package io.dfly.supernode.config;

import io.dfly.core.config.AdvertiseAddress;
import io.dfly.core.config.HostPort;
import io.dfly.core.config.Settings;
import io.dfly.core.security.ClusterSecret;
import io.dfly.core.security.OperatorToken;
import io.dfly.core.security.OriginPolicy;
import io.dfly.core.task.TaskIds;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Every supernode setting, read once and validated. Construct from any key/value source
 * ({@link io.dfly.microprofile.MicroProfileSettings} in the WAR, a map in tests); a bad value throws
 * {@link io.dfly.core.config.InvalidSettingException} naming the property.
 */
public final class SupernodeSettings {
    public static final String PORT = "dfly.supernode.port";
    public static final String ADVERTISE_IP = "dfly.supernode.advertise-ip";
    public static final String DATA_DIR = "dfly.supernode.data-dir";
    public static final String CLUSTER_NAME = "dfly.supernode.cluster.name";
    public static final String CLUSTER_PORT = "dfly.supernode.cluster.port";
    public static final String CLUSTER_MEMBERS = "dfly.supernode.cluster.members";
    public static final String PEER_UPLOAD_LIMIT = "dfly.supernode.peer-upload-limit";
    public static final String PEER_DOWNLOAD_LIMIT = "dfly.supernode.peer-download-limit";
    public static final String PEER_MAX_FAILURES = "dfly.supernode.peer-max-failures";
    public static final String PEER_TIMEOUT = "dfly.supernode.peer-timeout";
    public static final String VOLATILE_QUERY_PARAMS = "dfly.supernode.volatile-query-params";
    public static final String ORIGIN_RATELIMIT = "dfly.supernode.origin-ratelimit";
    public static final String GC_POLICIES = "dfly.supernode.gc.policies";
    public static final String GC_INTERVAL = "dfly.supernode.gc.interval";
    public static final String PREHEAT_PLATFORMS = "dfly.supernode.preheat.platforms";
    public static final String PLUGINS_DIR = "dfly.plugins.dir";
    public static final String SEED_UPLOAD_LIMIT = "dfly.supernode.seed-upload-limit";
    public static final String REGISTER_TIMEOUT = "dfly.supernode.register-timeout";
    /** How long a FAILED task (its record, sealed headers and CDN data) is kept. */
    public static final String FAILED_TASK_TTL = "dfly.supernode.failed-task-ttl";
    /** The cluster secret every enrolled host shares (read by {@link SupernodeSecrets}, not here). */
    public static final String CLUSTER_SECRET_FILE = ClusterSecret.PROPERTY;
    /** The operator token guarding preheat and task listings (read by {@link SupernodeSecrets}). */
    public static final String API_TOKEN_FILE = OperatorToken.PROPERTY;
    public static final String ALLOWED_ORIGINS = "dfly.supernode.allowed-origins";
    public static final String CLUSTER_INTERFACE = "dfly.supernode.cluster.interface";
    public static final String C2_FOR_FRAMEWORKS = "dfly.supernode.c2-for-frameworks";

    private final int port;
    private final String advertiseIp;
    private final Path dataDir;
    private final String clusterName;
    private final int clusterPort;
    private final List<HostPort> clusterMembers;
    private final int peerUploadLimit;
    private final int peerDownloadLimit;
    private final int peerMaxFailures;
    private final Duration peerTimeout;
    private final List<String> volatileQueryParams;
    private final long originRateLimit;
    private final List<String> gcPolicies;
    private final Duration gcInterval;
    private final List<String> preheatPlatforms;
    private final Optional<Path> pluginsDir;
    private final int seedUploadLimit;
    private final Duration registerTimeout;
    private final Duration failedTaskTtl;
    private final Path clusterSecretFile;
    private final boolean clusterSecretFileIsDefault;
    private final Path apiTokenFile;
    private final boolean apiTokenFileIsDefault;
    private final OriginPolicy allowedOrigins;
    private final String clusterInterface;
    private final boolean c2ForFrameworks;

    public SupernodeSettings(Settings s) {
        port = s.port(PORT, 8002);
        advertiseIp = AdvertiseAddress.resolve(s.string(ADVERTISE_IP, "auto"));
        dataDir = s.writableDir(DATA_DIR, Path.of(Settings.expandHome("~/.dfly/supernode")));
        clusterName = s.string(CLUSTER_NAME, "dfly");
        clusterPort = s.port(CLUSTER_PORT, 5701);
        clusterMembers = s.hostPorts(CLUSTER_MEMBERS, List.of(), 5701);
        peerUploadLimit = s.integer(PEER_UPLOAD_LIMIT, 3, 1, 1000);
        peerDownloadLimit = s.integer(PEER_DOWNLOAD_LIMIT, 4, 1, 1000);
        peerMaxFailures = s.integer(PEER_MAX_FAILURES, 5, 1, 1_000_000);
        peerTimeout = s.duration(PEER_TIMEOUT, Duration.ofSeconds(30));
        volatileQueryParams = s.list(VOLATILE_QUERY_PARAMS, TaskIds.DEFAULT_VOLATILE_PARAMS);
        originRateLimit = s.bytes(ORIGIN_RATELIMIT, 0);
        gcPolicies = s.list(GC_POLICIES, List.of("ttl", "watermark"));
        gcInterval = s.duration(GC_INTERVAL, Duration.ofMinutes(1));
        preheatPlatforms = s.list(PREHEAT_PLATFORMS, List.of("linux/amd64"));
        pluginsDir = s.existingDir(PLUGINS_DIR);
        seedUploadLimit = s.integer(SEED_UPLOAD_LIMIT, 50, 1, 100_000);
        registerTimeout = s.duration(REGISTER_TIMEOUT, Duration.ofSeconds(60));
        failedTaskTtl = s.duration(FAILED_TASK_TTL, Duration.ofMinutes(10));
        clusterSecretFileIsDefault = s.raw(CLUSTER_SECRET_FILE).isEmpty();
        clusterSecretFile = Path.of(Settings.expandHome(s.string(CLUSTER_SECRET_FILE, ClusterSecret.DEFAULT_FILE)));
        apiTokenFileIsDefault = s.raw(API_TOKEN_FILE).isEmpty();
        apiTokenFile = Path.of(Settings.expandHome(s.string(API_TOKEN_FILE, OperatorToken.DEFAULT_FILE)));
        allowedOrigins = OriginPolicy.of(ALLOWED_ORIGINS, s.list(ALLOWED_ORIGINS, List.of()));
        c2ForFrameworks = s.bool(C2_FOR_FRAMEWORKS, false);
        clusterInterface = localAddress(s.raw(CLUSTER_INTERFACE).isPresent() ? CLUSTER_INTERFACE : ADVERTISE_IP,
                s.string(CLUSTER_INTERFACE, advertiseIp));
    }

    /**
     * The address Hazelcast binds to: an address of one of this host's interfaces (a name is resolved once,
     * here). {@code key} is the property the value came from, named in the error.
     */
    static String localAddress(String key, String value) {
        InetAddress a;
        try {
            a = InetAddress.getByName(value);
        } catch (UnknownHostException e) {
            throw Settings.invalid(key, value, "an address of this host for the Hazelcast member to bind to ("
                    + CLUSTER_INTERFACE + ", default " + ADVERTISE_IP + "): the name does not resolve");
        }
        try {
            if (!a.isLoopbackAddress() && NetworkInterface.getByInetAddress(a) == null) {
                throw Settings.invalid(key, value, "an address of this host for the Hazelcast member to bind to ("
                        + CLUSTER_INTERFACE + ", default " + ADVERTISE_IP + "): " + a.getHostAddress()
                        + " is on none of its interfaces");
            }
        } catch (SocketException e) {
            throw Settings.invalid(key, value, "an address of this host (" + e.getMessage() + ")");
        }
        return a.getHostAddress();
    }

    public int port() { return port; }
    public String advertiseIp() { return advertiseIp; }
    /** Base URL other hosts reach this supernode by. */
    public String advertisedUrl() { return "http://" + advertiseIp + ":" + port; }
    public Path dataDir() { return dataDir; }
    public String clusterName() { return clusterName; }
    public int clusterPort() { return clusterPort; }
    /** Other members (TCP/IP join); empty means a cluster of one. */
    public List<HostPort> clusterMembers() { return clusterMembers; }
    public int peerUploadLimit() { return peerUploadLimit; }
    public int peerDownloadLimit() { return peerDownloadLimit; }
    public int peerMaxFailures() { return peerMaxFailures; }
    public Duration peerTimeout() { return peerTimeout; }
    public List<String> volatileQueryParams() { return volatileQueryParams; }
    /** Bytes/s for back-to-source downloads; 0 = unlimited. */
    public long originRateLimit() { return originRateLimit; }
    public List<String> gcPolicies() { return gcPolicies; }
    public Duration gcInterval() { return gcInterval; }
    public List<String> preheatPlatforms() { return preheatPlatforms; }
    public Optional<Path> pluginsDir() { return pluginsDir; }
    /** Most pieces one supernode member uploads at once (it is the fallback source). */
    public int seedUploadLimit() { return seedUploadLimit; }
    /** How long a registration waits for the origin's response headers. */
    public Duration registerTimeout() { return registerTimeout; }
    /** How long a FAILED task is kept before it is removed with its headers and CDN data. */
    public Duration failedTaskTtl() { return failedTaskTtl; }
    public Path clusterSecretFile() { return clusterSecretFile; }
    /** Whether the cluster secret file is the default one (created on first start when missing). */
    public boolean clusterSecretFileIsDefault() { return clusterSecretFileIsDefault; }
    public Path apiTokenFile() { return apiTokenFile; }
    /** Whether the operator token file is the default one (created on first start when missing). */
    public boolean apiTokenFileIsDefault() { return apiTokenFileIsDefault; }

    /** Whether HotSpot's C2 may compile the server's and libraries' code too (io.dfly.core.jvm.CompilerPolicy). */
    public boolean c2ForFrameworks() { return c2ForFrameworks; }
    /** Which origins back-to-source and preheat may fetch (internal addresses only when listed). */
    public OriginPolicy allowedOrigins() { return allowedOrigins; }
    /** The address (literal) the Hazelcast member binds to and is reached at; default the advertise-ip. */
    public String clusterInterface() { return clusterInterface; }
}
