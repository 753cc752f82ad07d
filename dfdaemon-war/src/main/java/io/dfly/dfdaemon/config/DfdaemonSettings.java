package io.dfly.dfdaemon.config;

import io.dfly.core.config.AdvertiseAddress;
import io.dfly.core.config.HostPort;
import io.dfly.core.config.InvalidSettingException;
import io.dfly.core.config.Settings;
import io.dfly.core.security.ClusterSecret;
import io.dfly.core.security.OriginPolicy;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Every dfdaemon setting, read once and validated. Construct from any key/value source
 * ({@link io.dfly.microprofile.MicroProfileSettings} in the WAR, a map in tests); a bad value throws
 * {@link io.dfly.core.config.InvalidSettingException} naming the property; a missing or unreadable cluster
 * secret throws {@link io.dfly.core.security.SecretFiles.SecretFileException} saying how to copy one.
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
    /** Floor rate of a piece fetch (size/s): each must end within 10 s + length / this, else its source failed. */
    public static final String PIECE_MIN_RATE = io.dfly.engine.EngineConfig.PIECE_MIN_RATE_SETTING;
    public static final String P2P_MIN_SIZE = "dfly.dfdaemon.p2p-min-size";
    public static final String AUTH_PROVIDERS = "dfly.dfdaemon.auth-providers";
    public static final String GC_POLICIES = "dfly.dfdaemon.gc.policies";
    public static final String PLUGINS_DIR = "dfly.plugins.dir";
    public static final String CLUSTER_SECRET_FILE = ClusterSecret.PROPERTY;
    public static final String UPLOAD_PORT = "dfly.dfdaemon.upload-port";
    public static final String LISTEN_ADDRESS = "dfly.dfdaemon.listen-address";
    public static final String ALLOWED_REGISTRIES = "dfly.dfdaemon.allowed-registries";
    public static final String C2_FOR_FRAMEWORKS = "dfly.dfdaemon.c2-for-frameworks";

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
    private final boolean c2ForFrameworks;
    private final int pieceParallelism;
    private final long pieceMinRate;
    private final long p2pMinSize;
    private final List<String> authProviders;
    private final List<String> gcPolicies;
    private final Optional<Path> pluginsDir;
    private final int uploadPort;
    private final String listenAddress;
    private final List<String> allowedRegistries;
    private final OriginPolicy origins;
    private final Path clusterSecretFile;
    private final ClusterSecret clusterSecret;

    public DfdaemonSettings(Settings s) {
        port = s.port(PORT, 65001);
        uploadPort = s.port(UPLOAD_PORT, 65002);
        if (uploadPort == port) {
            throw new InvalidSettingException(UPLOAD_PORT, "invalid value '" + uploadPort + "' for " + UPLOAD_PORT
                    + ": peer uploads need their own port, not " + PORT + " (" + port + ")");
        }
        listenAddress = address(s, LISTEN_ADDRESS, "127.0.0.1");
        advertiseIp = AdvertiseAddress.resolve(s.string(ADVERTISE_IP, "auto"));
        dataDir = s.writableDir(DATA_DIR, Path.of(Settings.expandHome("~/.dfly/dfdaemon")));
        supernodes = s.hostPorts(SUPERNODES, List.of(new HostPort("127.0.0.1", 8002)), 8002);
        registry = s.string(REGISTRY, "https://registry-1.docker.io");
        registryRoutes = s.list(REGISTRY_ROUTES, List.of());
        insecureRegistries = s.list(INSECURE_REGISTRIES, List.of("127.0.0.1", "localhost"));
        rateLimit = s.bytes(RATELIMIT, 0);
        uploadRateLimit = s.bytes(UPLOAD_RATELIMIT, 0);
        backToSource = s.bool(BACK_TO_SOURCE, true);
        c2ForFrameworks = s.bool(C2_FOR_FRAMEWORKS, false);
        pieceParallelism = s.integer(PIECE_PARALLELISM, 3, 1, 64);
        pieceMinRate = rate(s, PIECE_MIN_RATE, io.dfly.engine.EngineConfig.DEFAULT_PIECE_MIN_RATE);
        p2pMinSize = s.bytes(P2P_MIN_SIZE, 1024 * 1024);
        authProviders = s.list(AUTH_PROVIDERS, List.of());
        gcPolicies = s.list(GC_POLICIES, List.of("ttl", "watermark"));
        pluginsDir = s.existingDir(PLUGINS_DIR);
        allowedRegistries = s.list(ALLOWED_REGISTRIES, List.of());
        origins = OriginPolicy.of(ALLOWED_REGISTRIES, allowedRegistries).plusHosts(configuredRegistryHosts());
        clusterSecretFile = Path.of(Settings.expandHome(s.string(CLUSTER_SECRET_FILE, ClusterSecret.DEFAULT_FILE)));
        clusterSecret = ClusterSecret.load(clusterSecretFile);
    }

    /** A rate above 0, bytes per second: {@code 1M} or {@code 1M/s}. */
    private static long rate(Settings s, String key, long def) {
        String v = s.string(key, "").trim();
        if (v.isEmpty()) {
            return def;
        }
        String size = v.toLowerCase(java.util.Locale.ROOT).endsWith("/s") ? v.substring(0, v.length() - 2) : v;
        long r;
        try {
            r = io.dfly.core.config.ByteSize.parse(size);
        } catch (IllegalArgumentException e) {
            throw Settings.invalid(key, v, "a rate above 0 such as 512K or 1M (bytes per second)");
        }
        if (r <= 0) {
            throw Settings.invalid(key, v, "a rate above 0 such as 512K or 1M (bytes per second)");
        }
        return r;
    }

    /** An IP address literal (no DNS: a listener must not move when a name does). */
    private static String address(Settings s, String key, String def) {
        String v = s.string(key, def).trim();
        boolean literal = v.matches("[0-9.]+") || v.contains(":") && v.matches("[0-9a-fA-F:.]+");
        if (v.startsWith("[") && v.endsWith("]")) {
            v = v.substring(1, v.length() - 1);
            literal = v.contains(":") && v.matches("[0-9a-fA-F:.]+");
        }
        if (literal) {
            try {
                return InetAddress.getByName(v).getHostAddress();
            } catch (UnknownHostException e) {
                // falls through to the error below
            }
        }
        throw Settings.invalid(key, v, "an IP address such as 127.0.0.1 (this host only) or 0.0.0.0 (every interface)");
    }

    /** Hosts of {@code registry} and of every {@code registry-routes} upstream: they count as listed. */
    private List<String> configuredRegistryHosts() {
        List<String> hosts = new ArrayList<>();
        List<String> urls = new ArrayList<>();
        urls.add(registry);
        for (String route : registryRoutes) {
            int eq = route.indexOf('=');
            if (eq >= 0) {
                urls.add(route.substring(eq + 1).trim());
            }
        }
        for (String u : urls) {
            try {
                String host = URI.create(u.contains("://") ? u : "https://" + u).getHost();
                if (host != null) {
                    hosts.add(host);
                }
            } catch (IllegalArgumentException ignored) {
                // a malformed route is reported by the mirror that parses it
            }
        }
        return hosts;
    }

    /** Port of the registry mirror and the dfget API (on {@link #listenAddress()}). */
    public int port() { return port; }
    /** Port of the engine's peer upload server (all interfaces; pieces go only to granted peers). */
    public int uploadPort() { return uploadPort; }
    /** Address the mirror and the dfget API answer on: 127.0.0.1 by default, 0.0.0.0 / :: for every interface. */
    public String listenAddress() { return listenAddress; }
    /** Whether {@link #listenAddress()} means every interface. */
    public boolean listensEverywhere() {
        try {
            return InetAddress.getByName(listenAddress).isAnyLocalAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
    public String advertiseIp() { return advertiseIp; }
    /** Base URL other peers fetch pieces from: the upload port. */
    public String advertisedUrl() { return "http://" + (advertiseIp.contains(":") ? "[" + advertiseIp + "]" : advertiseIp)
            + ":" + uploadPort; }
    /** Origins this dfdaemon may fetch: {@code allowed-registries} plus its registry and routes' hosts. */
    public OriginPolicy origins() { return origins; }
    public List<String> allowedRegistries() { return allowedRegistries; }
    public Path clusterSecretFile() { return clusterSecretFile; }
    public ClusterSecret clusterSecret() { return clusterSecret; }
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

    /** Whether HotSpot's C2 may compile the server's and libraries' code too (io.dfly.core.jvm.CompilerPolicy). */
    public boolean c2ForFrameworks() { return c2ForFrameworks; }
    public int pieceParallelism() { return pieceParallelism; }
    /** Floor rate of a piece fetch, bytes/s (default 1 MiB/s): a slower source fails at its deadline. */
    public long pieceMinRate() { return pieceMinRate; }
    /** Blobs smaller than this skip P2P and pass straight through. */
    public long p2pMinSize() { return p2pMinSize; }
    /** Names of AuthProvider plugins to ask for upstream credentials, in order (empty = passthrough only). */
    public List<String> authProviders() { return authProviders; }
    public List<String> gcPolicies() { return gcPolicies; }
    public Optional<Path> pluginsDir() { return pluginsDir; }
}
