package io.dfly.plugin.registry.harbor;

import io.dfly.spi.Plugin;
import io.dfly.spi.PluginSettings;
import io.dfly.spi.RegistryBackend;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HarborPluginTest {
    static PluginSettings settings(Map<String, String> m) {
        return new PluginSettings() {
            public String pluginName() { return "harbor"; }
            public Optional<String> get(String key) { return Optional.ofNullable(m.get(key)); }
        };
    }

    static final PluginSettings S = settings(Map.of("hosts", "harbor.example.com, 10.0.0.5:8443",
            "proxy-projects", "dockerhub-proxy"));

    @Test
    void handlesOnlyConfiguredHosts() {
        HarborPlugin p = (HarborPlugin) ServiceLoader.load(Plugin.class).findFirst().orElseThrow();
        assertTrue(p.handles("harbor.example.com", S));
        assertTrue(p.handles("HARBOR.example.com:443", S));
        assertTrue(p.handles("10.0.0.5:8443", S));
        assertFalse(p.handles("10.0.0.5", S));
        assertFalse(p.handles("harbor.example.com", settings(Map.of())));
    }

    @Test
    void proxyCacheProjectsGetLibraryForOfficialImages() {
        RegistryBackend b = new HarborPlugin().create("https://harbor.example.com", S);
        assertEquals("dockerhub-proxy/library/nginx", b.upstreamRepository("dockerhub-proxy/nginx"));
        assertEquals("dockerhub-proxy/bitnami/redis", b.upstreamRepository("dockerhub-proxy/bitnami/redis"));
        assertEquals("team/app", b.upstreamRepository("team/app"));
        assertEquals("harbor.example.com", b.host());
    }

    @Test
    void tokenRealmPinnedToTheReachableEndpoint() {
        RegistryBackend b = new HarborPlugin().create("http://10.0.0.5:8443", S);
        assertEquals(URI.create("http://10.0.0.5:8443/service/token"),
                b.tokenRealm(URI.create("https://harbor.public.example/service/token")));
        assertEquals(URI.create("https://sso.example/token"), b.tokenRealm(URI.create("https://sso.example/token")));
        RegistryBackend unpinned = new HarborPlugin().create("http://10.0.0.5:8443",
                settings(Map.of("pin-token-realm", "false")));
        assertEquals(URI.create("https://harbor.public.example/service/token"),
                unpinned.tokenRealm(URI.create("https://harbor.public.example/service/token")));
        RegistryBackend explicit = new HarborPlugin().create("http://10.0.0.5:8443",
                settings(Map.of("token-realm", "http://10.0.0.6/service/token")));
        assertEquals(URI.create("http://10.0.0.6/service/token"), explicit.tokenRealm(URI.create("https://x/service/token")));
    }
}
