package io.dfly.mirror;

import io.dfly.plugin.registry.generic.GenericRegistryPlugin;
import io.dfly.spi.PluginSettings;
import io.dfly.spi.RegistryBackend;
import io.dfly.spi.RegistryBackendFactory;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;

class RegistryRouterTest {
    /** A plugin for one special host that prefixes repositories, to check plugin choice. */
    static final class SpecialFactory implements RegistryBackendFactory {
        public String name() { return "special"; }
        public boolean handles(String host, PluginSettings s) { return host.equals("special.example"); }
        public RegistryBackend create(String upstream, PluginSettings s) {
            return new RegistryBackend() {
                public String pluginName() { return "special"; }
                public URI endpoint() { return URI.create("https://api.special.example"); }
                public String host() { return "special.example"; }
                public String upstreamRepository(String r) { return "lib/" + r; }
            };
        }
    }

    static RegistryRouter router(String def, List<String> routes) {
        MirrorConfig c = new MirrorConfig(def, routes, List.of("127.0.0.1", "localhost"), 1 << 20, true);
        // generic listed first on purpose: the router must still ask it last
        return new RegistryRouter(c, List.of(new GenericRegistryPlugin(), new SpecialFactory()), k -> Optional.empty());
    }

    @Test
    void defaultRoutesAndNs() {
        RegistryRouter r = router("http://127.0.0.1:5000", List.of("team=https://harbor.example", "team/deep=http://localhost:6000"));
        assertEquals(URI.create("http://127.0.0.1:5000/v2/test/app/manifests/v1"), r.route("test/app", null).v2("test/app/manifests/v1"));
        assertEquals("https://harbor.example", r.route("team/app", null).backend().endpoint().toString());
        assertEquals("http://localhost:6000", r.route("team/deep/x", null).backend().endpoint().toString());
        assertEquals("http://127.0.0.1:5000", r.route("teamx/app", null).backend().endpoint().toString());
        // containerd's ns= wins; scheme from the insecure list
        assertEquals("http://127.0.0.1:7000", r.route("team/app", "127.0.0.1:7000").backend().endpoint().toString());
        assertEquals("https://quay.io", r.route("a/b", "quay.io").backend().endpoint().toString());
        assertEquals("generic", r.route(null, null).backend().pluginName());
    }

    @Test
    void specificPluginBeforeGeneric() {
        RegistryRouter r = router("https://special.example", List.of());
        Upstream up = r.route("app", null);
        assertEquals("special", up.backend().pluginName());
        assertEquals("lib/app", up.repository());
        assertEquals(URI.create("https://api.special.example/v2/lib/app/blobs/x"), up.v2(up.repository() + "/blobs/x"));
    }

    @Test
    void badRouteNamesTheProperty() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> router("https://r", List.of("nourl")));
        assertEquals(true, e.getMessage().contains("dfly.dfdaemon.registry-routes"));
    }

    @Test
    void nsIsOnlyEverARegistryHost() {
        for (String ok : List.of("docker.io", "registry-1.docker.io", "quay.io:443", "127.0.0.1", "127.0.0.1:5000",
                "[::1]", "[::1]:5000", "[2001:db8::1]:443", "localhost", "Harbor.Example")) {
            assertTrue(RegistryRouter.isRegistryHost(ok), ok);
        }
        for (String bad : List.of("", "http://docker.io", "docker.io/v2", "docker.io/", "docker.io?x=1", "u:p@docker.io",
                "user@docker.io", "docker.io#f", " docker.io", "docker.io ", "dock er.io", "docker.io:", "docker.io:0",
                "docker.io:65536", "docker.io:80:80", "docker.io:http", "::1", "[::1", "[::1]x", "[not-v6]", "[::1%lo]",
                "999.1.1.1", "1.2.3", "-a.io", "a-.io", "a..io", "docker.io.", "a_b.io", "%2e%2e", "docker.io\\x",
                "docker.io\nHost: x", "a".repeat(64) + ".io")) {
            assertFalse(RegistryRouter.isRegistryHost(bad), bad);
        }
        RegistryRouter r = router("https://r.example", List.of());
        assertThrows(IllegalArgumentException.class, () -> r.route("a/b", "http://evil.example/x"));
        assertEquals("https://[::1]:5000", r.route("a", "[::1]:5000").backend().endpoint().toString());
    }

    @Test
    void configuredUpstreamsCarryNoCredentials() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> router("https://u:SECRETPW@r.example", List.of()));
        assertFalse(e.getMessage().contains("SECRETPW"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> router("https://r.example", List.of("t=https://r.example/?token=SECRETTOK")));
        assertFalse(e.getMessage().contains("SECRETTOK"), e.getMessage());
    }

    @Test
    void backendCacheIsBounded() {
        RegistryRouter r = router("http://127.0.0.1:5000", List.of());
        for (int i = 0; i < RegistryRouter.MAX_BACKENDS * 2; i++) {
            r.route("a/b", "host" + i + ".example");
        }
        assertEquals(RegistryRouter.MAX_BACKENDS, r.cachedBackends());
        Upstream recent = r.route("a/b", "host" + (RegistryRouter.MAX_BACKENDS * 2 - 1) + ".example");
        assertSame(recent.backend(), r.route("a/b", "host" + (RegistryRouter.MAX_BACKENDS * 2 - 1) + ".example").backend(),
                "a recently used backend stays cached");
        assertEquals("http://127.0.0.1:5000", r.route("a/b", null).backend().endpoint().toString(), "an evicted one is made again");
        assertEquals(RegistryRouter.MAX_BACKENDS, r.cachedBackends());
    }

    @Test
    void insecureMatching() {
        MirrorConfig c = new MirrorConfig("x", List.of(), List.of("127.0.0.1", "reg.local:5000"), 0, true);
        assertEquals(true, c.insecure("127.0.0.1:5000"));
        assertEquals(true, c.insecure("reg.local:5000"));
        assertEquals(false, c.insecure("reg.local:443"));
        assertEquals(false, c.insecure("docker.io"));
    }
}
