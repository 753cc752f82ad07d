package io.dfly.spi;

import java.net.URI;
import java.util.Objects;

/**
 * A {@link RegistryBackend} with a fixed plugin name, endpoint and host. Plugins subclass it (often
 * anonymously) and override only what is special about their registry, such as
 * {@link #upstreamRepository(String)} or {@link #tokenRealm(URI)}.
 */
public class SimpleRegistryBackend implements RegistryBackend {
    private final String pluginName;
    private final URI endpoint;
    private final String host;
    private final String description;

    /**
     * @param pluginName  the plugin that made it
     * @param endpoint    base URL of the registry API, without {@code /v2/}
     * @param host        the host clients name the registry by
     * @param description what logs call it, e.g. {@code Harbor} (the endpoint is appended)
     */
    public SimpleRegistryBackend(String pluginName, URI endpoint, String host, String description) {
        this.pluginName = Objects.requireNonNull(pluginName, "pluginName");
        this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
        this.host = Objects.requireNonNull(host, "host");
        this.description = Objects.requireNonNull(description, "description");
    }

    @Override
    public String pluginName() {
        return pluginName;
    }

    @Override
    public URI endpoint() {
        return endpoint;
    }

    @Override
    public String host() {
        return host;
    }

    @Override
    public String toString() {
        return description + " " + endpoint;
    }
}
