package io.dfly.mirror;

import io.dfly.spi.RegistryBackend;

import java.net.URI;

/**
 * Where one client request goes.
 *
 * @param backend    the plugin's backend for the registry
 * @param repository the repository as upstream knows it (null for the API root)
 */
public record Upstream(RegistryBackend backend, String repository) {
    /** {@code <endpoint>/v2/<suffix>}. */
    public URI v2(String suffix) {
        String base = backend.endpoint().toString();
        if (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        return URI.create(base + "/v2/" + suffix);
    }

    /** The host credentials are looked up by. */
    public String credentialHost() {
        return backend.host();
    }
}
