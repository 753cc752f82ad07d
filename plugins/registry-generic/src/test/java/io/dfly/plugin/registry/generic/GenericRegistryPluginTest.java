package io.dfly.plugin.registry.generic;

import io.dfly.spi.Plugin;
import io.dfly.spi.PluginSettings;
import io.dfly.spi.RegistryBackend;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GenericRegistryPluginTest {
    static PluginSettings settings(Map<String, String> m) {
        return new PluginSettings() {
            public String pluginName() { return "generic"; }
            public Optional<String> get(String key) { return Optional.ofNullable(m.get(key)); }
        };
    }

    @Test
    void foundByServiceLoaderAndHandlesAnyHost() {
        Plugin p = ServiceLoader.load(Plugin.class).findFirst().orElseThrow();
        assertEquals("generic", p.registryBackendFactories().get(0).name());
        assertTrue(p.registryBackendFactories().get(0).handles("quay.io", settings(Map.of())));
    }

    @Test
    void keepsUrlAndRepository() {
        RegistryBackend b = new GenericRegistryPlugin().create("http://127.0.0.1:5000/", settings(Map.of()));
        assertEquals("http://127.0.0.1:5000", b.endpoint().toString());
        assertEquals("127.0.0.1:5000", b.host());
        assertEquals("test/app", b.upstreamRepository("test/app"));
        assertEquals(java.net.URI.create("http://x/token"), b.tokenRealm(java.net.URI.create("http://x/token")));
    }

    @Test
    void bareHostGetsDefaultScheme() {
        assertEquals("https://ghcr.io", new GenericRegistryPlugin().create("ghcr.io", settings(Map.of())).endpoint().toString());
        assertEquals("http://reg:5000", new GenericRegistryPlugin()
                .create("reg:5000", settings(Map.of("default-scheme", "http"))).endpoint().toString());
        assertThrows(IllegalArgumentException.class, () -> new GenericRegistryPlugin().create("http://", settings(Map.of())));
    }
}
