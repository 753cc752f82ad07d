package io.dfly.plugin.registry.dockerhub;

import io.dfly.spi.Plugin;
import io.dfly.spi.PluginSettings;
import io.dfly.spi.RegistryBackend;
import io.dfly.spi.RegistryBackendFactory;
import io.dfly.spi.RegistryHosts;
import io.dfly.spi.SimpleRegistryBackend;

import java.net.URI;
import java.util.List;
import java.util.Locale;

/**
 * Docker Hub. Clients name it {@code docker.io} (containerd's {@code ns=}), {@code index.docker.io},
 * {@code registry-1.docker.io} or {@code registry.hub.docker.com}; the API lives at
 * {@code https://registry-1.docker.io}, official images under {@code library/}, tokens at
 * {@code https://auth.docker.io/token}.
 * <p>Settings: {@code dfly.plugin.dockerhub.mirror-url} — an accelerator (pull-through cache of Docker Hub)
 * to use instead of registry-1.docker.io; {@code dfly.plugin.dockerhub.token-realm} — pin the token service
 * (default: the one the challenge names).
 */
public final class DockerHubPlugin implements Plugin, RegistryBackendFactory {
    public static final String NAME = "dockerhub";
    public static final URI API = URI.create("https://registry-1.docker.io");

    @Override
    public List<RegistryBackendFactory> registryBackendFactories() {
        return List.of(this);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean handles(String host, PluginSettings settings) {
        String h = host.toLowerCase(Locale.ROOT);
        if (h.endsWith(":443")) {
            h = h.substring(0, h.length() - 4);
        }
        return RegistryHosts.DOCKER_HUB.contains(h);
    }

    /** {@code nginx} → {@code library/nginx}; names with a namespace stay as they are. */
    static String officialImage(String repository) {
        return repository.contains("/") ? repository : "library/" + repository;
    }

    @Override
    public RegistryBackend create(String upstream, PluginSettings settings) {
        URI endpoint = settings.get("mirror-url").map(u -> URI.create(u.endsWith("/") ? u.substring(0, u.length() - 1) : u))
                .orElse(API);
        URI realm = settings.get("token-realm").map(URI::create).orElse(null);
        return new SimpleRegistryBackend(NAME, endpoint, "docker.io", "Docker Hub") {
            @Override
            public String upstreamRepository(String repository) {
                return officialImage(repository);
            }

            @Override
            public URI tokenRealm(URI challengedRealm) {
                return realm != null ? realm : challengedRealm;
            }
        };
    }
}
