package io.dfly.dfget;

import io.dfly.core.config.ByteSize;
import io.dfly.core.config.DurationText;
import io.dfly.core.config.HostPort;
import io.dfly.core.config.Settings;
import io.dfly.core.piece.Digests;
import io.dfly.core.security.ClusterSecret;
import io.dfly.core.security.SafeUrls;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** dfget's parsed command line. Parse with {@link #parse(String[])}. */
public record DfgetArgs(String url, Path output, Map<String, String> headers, String digest, String identifier,
                        long rateLimit, List<HostPort> supernodes, Duration timeout, boolean backToSource,
                        HostPort dfdaemon, boolean dfdaemonExplicit, boolean standalone, Path dataDir,
                        String advertiseIp, Path clusterSecretFile, boolean help) {

    public static final HostPort DEFAULT_DFDAEMON = new HostPort("127.0.0.1", 65001);
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(30);
    /** Environment variable naming the cluster secret file (the MicroProfile name of {@link ClusterSecret#PROPERTY}). */
    public static final String SECRET_ENV = "DFLY_SECURITY_CLUSTER_SECRET_FILE";

    public static final String USAGE = String.join("\n",
            "Usage: dfget -u URL -o FILE [options]",
            "Downloads URL to FILE through the dfly P2P network (the local dfdaemon when one runs, else an",
            "in-process engine), falling back to the origin when no supernode can help.",
            "",
            "  -u, --url URL              file to download (http or https)",
            "  -o, --output FILE          where to write it; written only when complete and verified",
            "  -H, --header 'K: V'        header for the origin (repeatable); sent to the supernode and the",
            "                             origin only, never to other peers, never logged",
            "      --digest sha256:HEX    expected sha256 of the file; a mismatch is an error",
            "      --identifier ID        content identity: the same ID from different URLs is one download",
            "      --ratelimit RATE       download limit of the in-process engine, e.g. 20M (0 = unlimited)",
            "      --supernodes H:P,...   supernodes for the in-process engine (default 127.0.0.1:8002)",
            "      --timeout DURATION     give up after this long, e.g. 90s, 5m (default 30m)",
            "      --no-back-to-source    fail instead of downloading from the origin when P2P is impossible",
            "      --dfdaemon HOST:PORT   local dfdaemon to use (default 127.0.0.1:65001, used when it answers)",
            "      --standalone           never use a dfdaemon: run the engine in this process",
            "      --data-dir DIR         piece cache of the in-process engine (default ~/.dfly/dfget)",
            "      --advertise-ip IP      address other peers reach this process at (default: auto)",
            "      --cluster-secret-file FILE",
            "                             the cluster secret, copied from the supernode host (mode 0600);",
            "                             default $" + SECRET_ENV + ", else " + ClusterSecret.DEFAULT_FILE,
            "  -h, --help                 show this help",
            "",
            "Exit status: 0 success, 1 download failed, 2 bad command line.");

    public static DfgetArgs parse(String[] args) throws UsageException {
        return parse(args, System.getenv());
    }

    /** @param env the environment (for {@value #SECRET_ENV}) */
    public static DfgetArgs parse(String[] args, Map<String, String> env) throws UsageException {
        String envSecret = env.get(SECRET_ENV);
        Path secretFile = Path.of(Settings.expandHome(envSecret != null && !envSecret.isBlank() ? envSecret.trim()
                : ClusterSecret.DEFAULT_FILE));
        String url = null;
        String output = null;
        Map<String, String> headers = new LinkedHashMap<>();
        String digest = null;
        String identifier = null;
        long rate = 0;
        List<HostPort> supernodes = List.of(new HostPort("127.0.0.1", 8002));
        Duration timeout = DEFAULT_TIMEOUT;
        boolean backToSource = true;
        HostPort dfdaemon = DEFAULT_DFDAEMON;
        boolean dfdaemonExplicit = false;
        boolean standalone = false;
        Path dataDir = Path.of(System.getProperty("user.home"), ".dfly", "dfget");
        String advertiseIp = "auto";
        boolean help = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String name = a;
            String inline = null;
            if (a.startsWith("--") && a.contains("=")) {
                name = a.substring(0, a.indexOf('='));
                inline = a.substring(a.indexOf('=') + 1);
            }
            switch (name) {
                case "-h", "--help" -> help = true;
                case "--no-back-to-source" -> backToSource = false;
                case "--standalone" -> standalone = true;
                default -> {
                    String value = inline;
                    if (value == null) {
                        if (i + 1 >= args.length) {
                            throw new UsageException(knownOption(name) ? "option " + name + " needs a value"
                                    : "unknown option '" + a + "' (see dfget --help)");
                        }
                        if (!knownOption(name)) {
                            throw new UsageException("unknown option '" + a + "' (see dfget --help)");
                        }
                        value = args[++i];
                    }
                    switch (name) {
                        case "-u", "--url" -> url = value;
                        case "-o", "--output" -> output = value;
                        case "-H", "--header" -> {
                            int colon = value.indexOf(':');
                            if (colon <= 0) {
                                throw new UsageException("bad header '" + value + "' (want 'Name: value')");
                            }
                            headers.put(value.substring(0, colon).trim(), value.substring(colon + 1).trim());
                        }
                        case "--digest" -> {
                            if (!Digests.isValid(value)) {
                                throw new UsageException("bad --digest '" + value + "' (want sha256:<64 lowercase hex>)");
                            }
                            digest = value;
                        }
                        case "--identifier" -> identifier = value;
                        case "--ratelimit" -> {
                            try {
                                rate = ByteSize.parse(value);
                            } catch (IllegalArgumentException e) {
                                throw new UsageException("bad --ratelimit '" + value + "' (want e.g. 20M, 512K, 0)");
                            }
                        }
                        case "--supernodes" -> {
                            try {
                                List<HostPort> list = new ArrayList<>();
                                for (String s : value.split(",")) {
                                    if (!s.isBlank()) {
                                        list.add(HostPort.parse(s, 8002));
                                    }
                                }
                                if (list.isEmpty()) {
                                    throw new IllegalArgumentException("empty");
                                }
                                supernodes = List.copyOf(list);
                            } catch (IllegalArgumentException e) {
                                throw new UsageException("bad --supernodes '" + value + "' (want host:port[,host:port...])");
                            }
                        }
                        case "--timeout" -> {
                            try {
                                timeout = DurationText.parse(value);
                            } catch (IllegalArgumentException e) {
                                throw new UsageException("bad --timeout '" + value + "' (want e.g. 90s, 5m, 1h)");
                            }
                            if (timeout.isZero() || timeout.isNegative()) {
                                throw new UsageException("bad --timeout '" + value + "' (must be more than 0)");
                            }
                        }
                        case "--dfdaemon" -> {
                            try {
                                dfdaemon = HostPort.parse(value, 65001);
                            } catch (IllegalArgumentException e) {
                                throw new UsageException("bad --dfdaemon '" + value + "' (want host:port)");
                            }
                            dfdaemonExplicit = true;
                        }
                        case "--data-dir" -> dataDir = Path.of(value);
                        case "--advertise-ip" -> advertiseIp = value;
                        case "--cluster-secret-file" -> secretFile = Path.of(Settings.expandHome(value));
                        default -> throw new UsageException("unknown option '" + a + "' (see dfget --help)");
                    }
                }
            }
        }
        if (help) {
            return new DfgetArgs(url, null, headers, digest, identifier, rate, supernodes, timeout, backToSource, dfdaemon,
                    dfdaemonExplicit, standalone, dataDir, advertiseIp, secretFile, true);
        }
        if (url == null) {
            throw new UsageException("missing -u URL (see dfget --help)");
        }
        if (output == null) {
            throw new UsageException("missing -o FILE (see dfget --help)");
        }
        try {
            URI u = new URI(url);
            if (u.getScheme() == null || !(u.getScheme().equals("http") || u.getScheme().equals("https")) || u.getHost() == null) {
                throw new UsageException("bad URL '" + SafeUrls.display(url) + "' (want http://host/path or https://host/path)");
            }
        } catch (java.net.URISyntaxException e) {
            throw new UsageException("bad URL '" + SafeUrls.display(url) + "' (want http://host/path or https://host/path)");
        }
        if (standalone && dfdaemonExplicit) {
            throw new UsageException("--standalone and --dfdaemon exclude each other");
        }
        Path out = Path.of(output).toAbsolutePath().normalize();
        return new DfgetArgs(url, out, headers, digest, identifier, rate, supernodes, timeout, backToSource, dfdaemon,
                dfdaemonExplicit, standalone, dataDir, advertiseIp, secretFile.toAbsolutePath(), false);
    }

    @Override
    public String toString() {
        // header values may be credentials, a URL query a signature
        return "DfgetArgs[url=" + SafeUrls.display(url) + ", output=" + output + ", headers=" + headers.keySet()
                + ", standalone=" + standalone + "]";
    }

    /** {@code 5m}, {@code 90s}, {@code 2h} as the user would write it. */
    public static String formatDuration(Duration d) {
        long s = d.getSeconds();
        if (s > 0 && s % 3600 == 0) {
            return s / 3600 + "h";
        }
        if (s > 0 && s % 60 == 0) {
            return s / 60 + "m";
        }
        return s > 0 ? s + "s" : d.toMillis() + "ms";
    }

    private static boolean knownOption(String name) {
        return List.of("-u", "--url", "-o", "--output", "-H", "--header", "--digest", "--identifier", "--ratelimit",
                "--supernodes", "--timeout", "--dfdaemon", "--data-dir", "--advertise-ip", "--cluster-secret-file").contains(name);
    }
}
