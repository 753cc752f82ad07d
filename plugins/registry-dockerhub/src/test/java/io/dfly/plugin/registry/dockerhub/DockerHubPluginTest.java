package io.dfly.plugin.registry.dockerhub;

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

class DockerHubPluginTest {
    static PluginSettings settings(Map<String, String> m) {
        return new PluginSettings() {
            public String pluginName() { return "dockerhub"; }
            public Optional<String> get(String key) { return Optional.ofNullable(m.get(key)); }
        };
    }

    @Test
    void handlesDockerHubAliasesOnly() {
        DockerHubPlugin p = (DockerHubPlugin) ServiceLoader.load(Plugin.class).findFirst().orElseThrow();
        for (String h : new String[]{"docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com", "Docker.IO:443"}) {
            assertTrue(p.handles(h, settings(Map.of())), h);
        }
        assertFalse(p.handles("quay.io", settings(Map.of())));
        assertFalse(p.handles("127.0.0.1:5000", settings(Map.of())));
    }

    @Test
    void officialImagesGoUnderLibrary() {
        RegistryBackend b = new DockerHubPlugin().create("https://docker.io", settings(Map.of()));
        assertEquals(URI.create("https://registry-1.docker.io"), b.endpoint());
        assertEquals("docker.io", b.host());
        assertEquals("library/nginx", b.upstreamRepository("nginx"));
        assertEquals("bitnami/redis", b.upstreamRepository("bitnami/redis"));
        URI realm = URI.create("https://auth.docker.io/token");
        assertEquals(realm, b.tokenRealm(realm));
    }

    @Test
    void acceleratorAndPinnedRealm() {
        RegistryBackend b = new DockerHubPlugin().create("docker.io", settings(Map.of(
                "mirror-url", "https://abc.mirror.example/", "token-realm", "https://auth.docker.io/token")));
        assertEquals(URI.create("https://abc.mirror.example"), b.endpoint());
        assertEquals(URI.create("https://auth.docker.io/token"), b.tokenRealm(URI.create("https://elsewhere/token")));
    }
}
