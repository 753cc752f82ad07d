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
    void insecureMatching() {
        MirrorConfig c = new MirrorConfig("x", List.of(), List.of("127.0.0.1", "reg.local:5000"), 0, true);
        assertEquals(true, c.insecure("127.0.0.1:5000"));
        assertEquals(true, c.insecure("reg.local:5000"));
        assertEquals(false, c.insecure("reg.local:443"));
        assertEquals(false, c.insecure("docker.io"));
    }
}
