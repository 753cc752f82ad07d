package io.dfly.spi;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where upstream credentials come from, and whether a client may use a dfly API at all.
 * Providers are asked in configured order; the first that supplies credentials wins.
 */
public interface AuthProvider {
    String name();

    /**
     * Credentials for a registry host when the client brought none (kubelet/containerd pulls
     * without {@code docker login}). Empty means "no opinion, ask the next provider".
     */
    default Optional<Credentials> credentialsFor(String registryHost) {
        return Optional.empty();
    }

    /**
     * Whether a client request may use this dfly service (e.g. a shared cluster token in a header).
     * Header names are lower-case.
     */
    default boolean admits(Map<String, List<String>> requestHeaders) {
        return true;
    }
}
