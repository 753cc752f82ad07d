package io.dfly.mirror;

import io.dfly.spi.RegistryBackend;
import io.dfly.spi.RegistryBackendFactory;

import java.net.URI;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Picks the upstream registry for a request: containerd's {@code ?ns=<host>} first, then the
 * {@code repoPrefix=upstreamUrl} routes, then the default registry. The backend comes from the first
 * plugin whose {@code handles(host)} says yes, the generic plugin last.
 */
public final class RegistryRouter {
    private record Route(String prefix, String upstream) {
    }

    private final MirrorConfig config;
    private final List<RegistryBackendFactory> factories;
    private final Function<String, Optional<String>> pluginConfig;
    private final List<Route> routes = new ArrayList<>();
    private final Map<String, RegistryBackend> backends = new ConcurrentHashMap<>();

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
                throw new IllegalArgumentException("dfly.dfdaemon.registry-routes: rule '" + rule
                        + "' is not repoPrefix=upstreamUrl");
            }
            routes.add(new Route(trimSlashes(rule.substring(0, eq).trim()), rule.substring(eq + 1).trim()));
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
        if (ns != null && !ns.isBlank()) {
            upstream = ns.trim();
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
            String host = URI.create(u).getRawAuthority().toLowerCase(Locale.ROOT);
            for (RegistryBackendFactory f : factories) {
                io.dfly.core.plugin.MapPluginSettings s = new io.dfly.core.plugin.MapPluginSettings(f.name(), pluginConfig);
                if (f.handles(host, s)) {
                    return f.create(u, s);
                }
            }
            throw new IllegalStateException("no registry backend plugin handles " + host);
        });
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
