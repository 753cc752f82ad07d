package io.dfly.spi;

import java.util.List;

/**
 * Entry point of a dfly plugin jar, found with {@link java.util.ServiceLoader}
 * ({@code META-INF/services/io.dfly.spi.Plugin}). A plugin contributes factories for one or more
 * plugin families; every method has a default so a plugin overrides only what it offers.
 */
public interface Plugin {
    default List<RegistryBackendFactory> registryBackendFactories() { return List.of(); }

    default List<AuthProviderFactory> authProviderFactories() { return List.of(); }

    default List<GcPolicyFactory> gcPolicyFactories() { return List.of(); }
}
