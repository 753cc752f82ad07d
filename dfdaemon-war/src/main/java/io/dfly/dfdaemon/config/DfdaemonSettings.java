package io.dfly.dfdaemon.config;

import io.dfly.core.config.AdvertiseAddress;
import io.dfly.core.config.HostPort;
import io.dfly.core.config.Settings;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Every dfdaemon setting, read once and validated. Construct from any key/value source
 * ({@link MicroProfileSettings} in the WAR, a map in tests); a bad value throws
 * {@link io.dfly.core.config.InvalidSettingException} naming the property.
 */
public final class DfdaemonSettings {
    public static final String PORT = "dfly.dfdaemon.port";
    public static final String ADVERTISE_IP = "dfly.dfdaemon.advertise-ip";
    public static final String DATA_DIR = "dfly.dfdaemon.data-dir";
    public static final String SUPERNODES = "dfly.dfdaemon.supernodes";
    public static final String REGISTRY = "dfly.dfdaemon.registry";
    public static final String REGISTRY_ROUTES = "dfly.dfdaemon.registry-routes";
    public static final String INSECURE_REGISTRIES = "dfly.dfdaemon.insecure-registries";
    public static final String RATELIMIT = "dfly.dfdaemon.ratelimit";
    public static final String UPLOAD_RATELIMIT = "dfly.dfdaemon.upload-ratelimit";
    public static final String BACK_TO_SOURCE = "dfly.dfdaemon.back-to-source";
    public static final String PIECE_PARALLELISM = "dfly.dfdaemon.piece-parallelism";
    public static final String P2P_MIN_SIZE = "dfly.dfdaemon.p2p-min-size";
    public static final String AUTH_PROVIDERS = "dfly.dfdaemon.auth-providers";
    public static final String GC_POLICIES = "dfly.dfdaemon.gc.policies";
    public static final String PLUGINS_DIR = "dfly.plugins.dir";

    private final int port;
    private final String advertiseIp;
    private final Path dataDir;
    private final List<HostPort> supernodes;
    private final String registry;
    private final List<String> registryRoutes;
    private final List<String> insecureRegistries;
    private final long rateLimit;
    private final long uploadRateLimit;
    private final boolean backToSource;
    private final int pieceParallelism;
    private final long p2pMinSize;
    private final List<String> authProviders;
    private final List<String> gcPolicies;
    private final Optional<Path> pluginsDir;

    public DfdaemonSettings(Settings s) {
        port = s.port(PORT, 65001);
        advertiseIp = AdvertiseAddress.resolve(s.string(ADVERTISE_IP, "auto"));
        dataDir = s.writableDir(DATA_DIR, Path.of(Settings.expandHome("~/.dfly/dfdaemon")));
        supernodes = s.hostPorts(SUPERNODES, List.of(new HostPort("127.0.0.1", 8002)), 8002);
        registry = s.string(REGISTRY, "https://registry-1.docker.io");
        registryRoutes = s.list(REGISTRY_ROUTES, List.of());
        insecureRegistries = s.list(INSECURE_REGISTRIES, List.of("127.0.0.1", "localhost"));
        rateLimit = s.bytes(RATELIMIT, 0);
        uploadRateLimit = s.bytes(UPLOAD_RATELIMIT, 0);
        backToSource = s.bool(BACK_TO_SOURCE, true);
        pieceParallelism = s.integer(PIECE_PARALLELISM, 3, 1, 64);
        p2pMinSize = s.bytes(P2P_MIN_SIZE, 1024 * 1024);
        authProviders = s.list(AUTH_PROVIDERS, List.of());
        gcPolicies = s.list(GC_POLICIES, List.of("ttl", "watermark"));
        pluginsDir = s.existingDir(PLUGINS_DIR);
    }

    public int port() { return port; }
    public String advertiseIp() { return advertiseIp; }
    /** Base URL other peers fetch pieces from. */
    public String advertisedUrl() { return "http://" + advertiseIp + ":" + port; }
    public Path dataDir() { return dataDir; }
    public List<HostPort> supernodes() { return supernodes; }
    /** Default upstream registry URL (for clients that use dfdaemon as the registry host or as docker's registry-mirrors). */
    public String registry() { return registry; }
    /** {@code repoPrefix=upstreamUrl} rules checked before {@link #registry()}. */
    public List<String> registryRoutes() { return registryRoutes; }
    /** Hosts reached over plain http. */
    public List<String> insecureRegistries() { return insecureRegistries; }
    /** Download bytes/s across all transfers of the host; 0 = unlimited. */
    public long rateLimit() { return rateLimit; }
    /** Upload bytes/s across all transfers of the host; 0 = unlimited. */
    public long uploadRateLimit() { return uploadRateLimit; }
    public boolean backToSource() { return backToSource; }
    public int pieceParallelism() { return pieceParallelism; }
    /** Blobs smaller than this skip P2P and pass straight through. */
    public long p2pMinSize() { return p2pMinSize; }
    /** Names of AuthProvider plugins to ask for upstream credentials, in order (empty = passthrough only). */
    public List<String> authProviders() { return authProviders; }
    public List<String> gcPolicies() { return gcPolicies; }
    public Optional<Path> pluginsDir() { return pluginsDir; }
}
