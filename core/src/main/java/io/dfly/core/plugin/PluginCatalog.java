package io.dfly.core.plugin;

import io.dfly.spi.AuthProvider;
import io.dfly.spi.AuthProviderFactory;
import io.dfly.spi.GcPolicy;
import io.dfly.spi.GcPolicyFactory;
import io.dfly.spi.Plugin;
import io.dfly.spi.RegistryBackendFactory;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Every plugin factory found, by family and name. Built by {@link PluginLoader}; asks for a
 * configured name fail with a message listing the names that are available.
 */
public final class PluginCatalog {
    private final Map<String, RegistryBackendFactory> registryBackends = new LinkedHashMap<>();
    private final Map<String, AuthProviderFactory> authProviders = new LinkedHashMap<>();
    private final Map<String, GcPolicyFactory> gcPolicies = new LinkedHashMap<>();
    private final Map<String, String> origins = new LinkedHashMap<>();

    void add(Plugin plugin, String origin) {
        plugin.registryBackendFactories().forEach(f -> put(registryBackends, "registry backend", f.name(), f, origin));
        plugin.authProviderFactories().forEach(f -> put(authProviders, "auth provider", f.name(), f, origin));
        plugin.gcPolicyFactories().forEach(f -> put(gcPolicies, "GC policy", f.name(), f, origin));
    }

    private <T> void put(Map<String, T> map, String family, String name, T factory, String origin) {
        String key = family + ":" + name;
        if (map.containsKey(name)) {
            throw new PluginException("two plugins define " + family + " '" + name + "': " + origins.get(key)
                    + " and " + origin);
        }
        map.put(name, factory);
        origins.put(key, origin);
    }

    /** All registry backend factories, in load order (built-in first). */
    public List<RegistryBackendFactory> registryBackends() {
        return List.copyOf(registryBackends.values());
    }

    public RegistryBackendFactory registryBackend(String name) {
        return pick(registryBackends, "registry backend", name, "dfly.dfdaemon.registry-backends");
    }

    public AuthProviderFactory authProvider(String name) {
        return pick(authProviders, "auth provider", name, "dfly.dfdaemon.auth-providers");
    }

    public GcPolicyFactory gcPolicy(String name) {
        return pick(gcPolicies, "GC policy", name, "gc.policies");
    }

    /** The factories for configured names, in the configured order; any unknown name fails. */
    public <T> List<T> select(List<String> names, Function<String, T> lookup) {
        List<T> out = new ArrayList<>();
        for (String n : names) {
            out.add(lookup.apply(n));
        }
        return Collections.unmodifiableList(out);
    }

    /** The configured GC policies, created with their {@code dfly.plugin.<name>.*} settings; unknown names fail. */
    public List<GcPolicy> createGcPolicies(List<String> names, Function<String, Optional<String>> properties) {
        return select(names, this::gcPolicy).stream()
                .map(f -> f.create(new MapPluginSettings(f.name(), properties))).toList();
    }

    /** The configured auth providers, created with their {@code dfly.plugin.<name>.*} settings; unknown names fail. */
    public List<AuthProvider> createAuthProviders(List<String> names, Function<String, Optional<String>> properties) {
        return select(names, this::authProvider).stream()
                .map(f -> f.create(new MapPluginSettings(f.name(), properties))).toList();
    }

    public Set<String> registryBackendNames() {
        return new TreeSet<>(registryBackends.keySet());
    }

    public Set<String> authProviderNames() {
        return new TreeSet<>(authProviders.keySet());
    }

    public Set<String> gcPolicyNames() {
        return new TreeSet<>(gcPolicies.keySet());
    }

    /** Where a factory came from ("built-in" or a jar path). */
    public String origin(String family, String name) {
        return origins.get(family + ":" + name);
    }

    private static <T> T pick(Map<String, T> map, String family, String name, String property) {
        T f = map.get(name);
        if (f == null) {
            throw new PluginException("unknown " + family + " plugin '" + name + "' (in " + property
                    + "); available: " + (map.isEmpty() ? "none" : String.join(", ", new TreeSet<>(map.keySet()))));
        }
        return f;
    }
}
