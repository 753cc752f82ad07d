package io.dfly.plugin.registry.harbor;

import io.dfly.spi.Plugin;
import io.dfly.spi.PluginSettings;
import io.dfly.spi.RegistryBackend;
import io.dfly.spi.RegistryBackendFactory;
import io.dfly.spi.SimpleRegistryBackend;

import java.net.URI;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Harbor. Settings:
 * <ul>
 *   <li>{@code dfly.plugin.harbor.hosts} — Harbor hosts ({@code host} or {@code host:port}, comma separated);
 *       only these are handled by this plugin.</li>
 *   <li>{@code dfly.plugin.harbor.proxy-projects} — proxy-cache projects of Docker Hub: in
 *       {@code <project>/nginx} the official image is {@code <project>/library/nginx}, as Harbor wants.</li>
 *   <li>{@code dfly.plugin.harbor.pin-token-realm} (true) — Harbor's token service is {@code /service/token}
 *       on Harbor itself; its challenges name Harbor's external URL, which may not be reachable from the
 *       node, so the realm is pinned to the endpoint dfly reaches Harbor at.</li>
 *   <li>{@code dfly.plugin.harbor.token-realm} — an explicit token service URL (wins over the above).</li>
 * </ul>
 */
public final class HarborPlugin implements Plugin, RegistryBackendFactory {
    public static final String NAME = "harbor";
    public static final String TOKEN_PATH = "/service/token";

    @Override
    public List<RegistryBackendFactory> registryBackendFactories() {
        return List.of(this);
    }

    @Override
    public String name() {
        return NAME;
    }

    static Set<String> list(PluginSettings settings, String key) {
        return settings.get(key).map(v -> Arrays.stream(v.split(",")).map(String::trim).filter(s -> !s.isEmpty())
                .map(s -> s.toLowerCase(Locale.ROOT)).collect(Collectors.toSet())).orElse(Set.of());
    }

    @Override
    public boolean handles(String host, PluginSettings settings) {
        String h = host.toLowerCase(Locale.ROOT);
        Set<String> hosts = list(settings, "hosts");
        return hosts.contains(h) || (h.endsWith(":443") && hosts.contains(h.substring(0, h.length() - 4)));
    }

    @Override
    public RegistryBackend create(String upstream, PluginSettings settings) {
        String u = upstream.contains("://") ? upstream : "https://" + upstream;
        while (u.endsWith("/")) {
            u = u.substring(0, u.length() - 1);
        }
        URI endpoint = URI.create(u);
        String host = endpoint.getRawAuthority().toLowerCase(Locale.ROOT);
        Set<String> proxyProjects = list(settings, "proxy-projects");
        boolean pin = Boolean.parseBoolean(settings.get("pin-token-realm", "true"));
        URI explicitRealm = settings.get("token-realm").map(URI::create).orElse(null);
        return new SimpleRegistryBackend(NAME, endpoint, host, "Harbor") {
            @Override
            public String upstreamRepository(String repository) {
                int slash = repository.indexOf('/');
                if (slash > 0 && proxyProjects.contains(repository.substring(0, slash))
                        && repository.indexOf('/', slash + 1) < 0) {
                    return repository.substring(0, slash) + "/library" + repository.substring(slash);
                }
                return repository;
            }

            @Override
            public URI tokenRealm(URI challengedRealm) {
                if (explicitRealm != null) {
                    return explicitRealm;
                }
                if (pin && TOKEN_PATH.equals(challengedRealm.getPath())) {
                    return URI.create(endpoint + TOKEN_PATH);
                }
                return challengedRealm;
            }
        };
    }
}
