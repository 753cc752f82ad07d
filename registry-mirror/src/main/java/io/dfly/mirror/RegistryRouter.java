package io.dfly.mirror;

import io.dfly.spi.RegistryBackend;
import io.dfly.spi.RegistryBackendFactory;

import io.dfly.core.security.SafeUrls;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Picks the upstream registry for a request: containerd's {@code ?ns=<host>} first, then the
 * {@code repoPrefix=upstreamUrl} routes, then the default registry. The backend comes from the first
 * plugin whose {@code handles(host)} says yes, the generic plugin last.
 *
 * <p>{@code ns} is whatever the client sends, so it is only ever a registry host ({@code host[:port]}):
 * never a URL, a path or user info. Backends are cached per upstream, at most {@link #MAX_BACKENDS} of them
 * (least recently used dropped), so a client sending ever new {@code ns} values cannot grow the cache.
 */
public final class RegistryRouter {
    /** Most upstream backends kept at once. */
    static final int MAX_BACKENDS = 256;
    private static final Pattern LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?", Pattern.CASE_INSENSITIVE);
    private static final Pattern IPV6 = Pattern.compile("[0-9a-f:.]+", Pattern.CASE_INSENSITIVE);

    private record Route(String prefix, String upstream) {
    }

    private final MirrorConfig config;
    private final List<RegistryBackendFactory> factories;
    private final Function<String, Optional<String>> pluginConfig;
    private final List<Route> routes = new ArrayList<>();
    private final Map<String, RegistryBackend> backends = Collections.synchronizedMap(
            new LinkedHashMap<>(16, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, RegistryBackend> eldest) {
                    return size() > MAX_BACKENDS;
                }
            });

    public RegistryRouter(MirrorConfig config, List<RegistryBackendFactory> factories,
                          Function<String, Optional<String>> pluginConfig) {
        this.config = config;
        List<RegistryBackendFactory> sorted = new ArrayList<>(factories);
        sorted.sort(Comparator.comparing(f -> f.name().equals("generic") ? 1 : 0));
        this.factories = sorted;
        this.pluginConfig = pluginConfig;
        for (String rule : config.routes()) {
            int eq = rule.indexOf('=');
            if (eq <= 0 || eq == rule.length() - 1) {
                throw new IllegalArgumentException("dfly.dfdaemon.registry-routes: rule '" + SafeUrls.display(rule)
                        + "' is not repoPrefix=upstreamUrl");
            }
            String prefix = trimSlashes(rule.substring(0, eq).trim());
            String upstream = rule.substring(eq + 1).trim();
            requirePlainUpstream(upstream, "dfly.dfdaemon.registry-routes (rule for '" + prefix + "')");
            routes.add(new Route(prefix, upstream));
        }
        if (config.defaultRegistry() != null) {
            requirePlainUpstream(config.defaultRegistry(), "dfly.dfdaemon.registry");
        }
        routes.sort(Comparator.comparing((Route r) -> r.prefix.length()).reversed());
        if (this.factories.isEmpty()) {
            throw new IllegalStateException("no registry backend plugin found (is dfly-plugin-registry-generic on the class path?)");
        }
    }

    /**
     * @param repository client-side repository name, or null for the API root
     * @param ns         containerd's {@code ns} query parameter, or null
     */
    public Upstream route(String repository, String ns) {
        String upstream;
        if (ns != null && !ns.isEmpty()) {
            if (!isRegistryHost(ns)) {
                throw new IllegalArgumentException(NS_RULE); // RegistryMirror answers 400 before getting here
            }
            upstream = ns.toLowerCase(Locale.ROOT);
        } else {
            upstream = config.defaultRegistry();
            if (repository != null) {
                for (Route r : routes) {
                    if (repository.equals(r.prefix) || repository.startsWith(r.prefix + "/")) {
                        upstream = r.upstream;
                        break;
                    }
                }
            }
        }
        RegistryBackend backend = backendFor(upstream);
        return new Upstream(backend, repository == null ? null : backend.upstreamRepository(repository));
    }

    /** The backend for an upstream URL or bare host (scheme from the insecure list). */
    public RegistryBackend backendFor(String upstream) {
        String url = withScheme(upstream);
        return backends.computeIfAbsent(url, u -> {
            URI parsed = URI.create(u);
            String host = (parsed.getPort() < 0 ? parsed.getHost() : parsed.getHost() + ":" + parsed.getPort())
                    .toLowerCase(Locale.ROOT);
            for (RegistryBackendFactory f : factories) {
                io.dfly.core.plugin.MapPluginSettings s = new io.dfly.core.plugin.MapPluginSettings(f.name(), pluginConfig);
                if (f.handles(host, s)) {
                    return f.create(u, s);
                }
            }
            throw new IllegalStateException("no registry backend plugin handles " + host);
        });
    }

    /** What {@code ns} must be; the text of the 400 answer. */
    public static final String NS_RULE = "ns must be a registry host[:port]";

    /**
     * Whether containerd's {@code ns} is a registry host: a DNS name, an IPv4 address or a bracketed IPv6
     * address, optionally {@code :port} — no scheme, path, query, user info or whitespace.
     */
    public static boolean isRegistryHost(String ns) {
        if (ns == null || ns.isEmpty() || ns.length() > 261) {
            return false;
        }
        String host = ns;
        String port = null;
        if (ns.startsWith("[")) {
            int end = ns.indexOf(']');
            if (end < 0) {
                return false;
            }
            host = ns.substring(0, end + 1);
            String rest = ns.substring(end + 1);
            if (!rest.isEmpty()) {
                if (!rest.startsWith(":")) {
                    return false;
                }
                port = rest.substring(1);
            }
        } else {
            int colon = ns.indexOf(':');
            if (colon >= 0) {
                host = ns.substring(0, colon);
                port = ns.substring(colon + 1);
            }
        }
        if (port != null && !validPort(port)) {
            return false;
        }
        return host.startsWith("[") ? validIpv6(host) : validNameOrIpv4(host);
    }

    private static boolean validPort(String port) {
        if (port.isEmpty() || port.length() > 5 || !port.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return false;
        }
        int p = Integer.parseInt(port);
        return p >= 1 && p <= 65535;
    }

    private static boolean validIpv6(String bracketed) {
        String inner = bracketed.substring(1, bracketed.length() - 1);
        if (inner.indexOf(':') < 0 || !IPV6.matcher(inner).matches()) {
            return false;
        }
        try {
            InetAddress.getByName(bracketed); // an IPv6 literal in brackets: parsed, never looked up
            return true;
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private static boolean validNameOrIpv4(String host) {
        if (host.isEmpty() || host.length() > 253) {
            return false;
        }
        String[] labels = host.split("\\.", -1);
        boolean numeric = true;
        for (String l : labels) {
            if (!LABEL.matcher(l).matches()) {
                return false;
            }
            numeric &= l.chars().allMatch(c -> c >= '0' && c <= '9');
        }
        if (!numeric) {
            return true;
        }
        // all digits: only a dotted-quad IPv4 address, each part 0..255
        if (labels.length != 4) {
            return false;
        }
        for (String l : labels) {
            if (l.length() > 3 || Integer.parseInt(l) > 255) {
                return false;
            }
        }
        return true;
    }

    /** A configured upstream must not carry user info or a query (credentials belong in an auth provider). */
    private static void requirePlainUpstream(String upstream, String setting) {
        String u = upstream.contains("://") ? upstream : "https://" + upstream;
        URI parsed;
        try {
            parsed = new URI(u);
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException(setting + ": '" + SafeUrls.display(upstream) + "' is not a registry URL");
        }
        if (parsed.getRawUserInfo() != null || parsed.getRawQuery() != null || parsed.getRawFragment() != null) {
            throw new IllegalArgumentException(setting + ": '" + SafeUrls.display(upstream) + "' carries user info or a"
                    + " query; give the registry URL alone and put credentials in an auth provider");
        }
    }

    /** How many upstream backends are cached (tests). */
    int cachedBackends() {
        return backends.size();
    }

    String withScheme(String upstream) {
        String u = trimSlashes(upstream);
        if (u.startsWith("http://") || u.startsWith("https://")) {
            return u;
        }
        return (config.insecure(u) ? "http://" : "https://") + u;
    }

    private static String trimSlashes(String s) {
        String t = s;
        while (t.endsWith("/")) {
            t = t.substring(0, t.length() - 1);
        }
        while (t.startsWith("/")) {
            t = t.substring(1);
        }
        return t;
    }
}
