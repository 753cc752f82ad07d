package io.dfly.spi;

import java.net.URI;
import java.util.Map;

/**
 * One upstream registry (Docker Hub, Harbor, ACR, any OCI registry): where requests go and what is
 * special about it. Authentication challenges themselves follow the distribution spec and are
 * handled by the host; a backend only adjusts them.
 */
public interface RegistryBackend {
    /** The plugin that made this backend. */
    String pluginName();

    /** Base URL of the registry API, without {@code /v2/}, e.g. {@code https://registry-1.docker.io}. */
    URI endpoint();

    /** The host clients name this registry by (containerd's {@code ns=}), e.g. {@code docker.io}. */
    String host();

    /** The repository name as upstream knows it (Docker Hub puts official images under {@code library/}). */
    default String upstreamRepository(String repository) {
        return repository;
    }

    /**
     * The token endpoint to use for a Bearer challenge. Defaults to the challenge's own realm;
     * a backend may pin it (e.g. an accelerator whose challenges point elsewhere).
     */
    default URI tokenRealm(URI challengedRealm) {
        return challengedRealm;
    }

    /** Extra headers this registry wants on every upstream request (never credentials). */
    default Map<String, String> extraHeaders() {
        return Map.of();
    }
}
