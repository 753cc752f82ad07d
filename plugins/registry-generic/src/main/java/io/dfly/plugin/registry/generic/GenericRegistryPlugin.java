package io.dfly.plugin.registry.generic;

import io.dfly.spi.Plugin;
import io.dfly.spi.PluginSettings;
import io.dfly.spi.RegistryBackend;
import io.dfly.spi.RegistryBackendFactory;
import io.dfly.spi.SimpleRegistryBackend;

import java.net.URI;
import java.util.List;
import java.util.Locale;

/**
 * Any OCI / Docker Registry HTTP API v2 registry, reached at the URL it was configured or seen with.
 * Asked last: it handles every host. Setting {@code dfly.plugin.generic.default-scheme} (https) is used
 * for a bare host that arrives without a scheme.
 */
public final class GenericRegistryPlugin implements Plugin, RegistryBackendFactory {
    public static final String NAME = "generic";

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
        return true;
    }

    @Override
    public RegistryBackend create(String upstream, PluginSettings settings) {
        String u = upstream.trim();
        if (!u.contains("://")) {
            u = settings.get("default-scheme", "https") + "://" + u;
        }
        while (u.endsWith("/")) {
            u = u.substring(0, u.length() - 1);
        }
        URI endpoint = URI.create(u);
        if (endpoint.getHost() == null) {
            throw new IllegalArgumentException("not a registry URL: " + upstream);
        }
        String host = endpoint.getRawAuthority().toLowerCase(Locale.ROOT);
        return new SimpleRegistryBackend(NAME, endpoint, host, "generic registry");
    }
}
