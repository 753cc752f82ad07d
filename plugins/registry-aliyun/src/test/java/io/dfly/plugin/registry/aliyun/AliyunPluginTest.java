package io.dfly.plugin.registry.aliyun;

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

class AliyunPluginTest {
    static PluginSettings settings(Map<String, String> m) {
        return new PluginSettings() {
            public String pluginName() { return "aliyun"; }
            public Optional<String> get(String key) { return Optional.ofNullable(m.get(key)); }
        };
    }

    @Test
    void recognisesAcrEndpoints() {
        AliyunPlugin p = (AliyunPlugin) ServiceLoader.load(Plugin.class).findFirst().orElseThrow();
        PluginSettings s = settings(Map.of());
        for (String h : new String[]{"registry.cn-hangzhou.aliyuncs.com", "registry-vpc.cn-beijing.aliyuncs.com",
                "registry-intl.ap-southeast-1.aliyuncs.com", "myco-registry.cn-shanghai.cr.aliyuncs.com",
                "myco-registry-vpc.cn-shanghai.cr.aliyuncs.com", "abc123.mirror.aliyuncs.com", "registry.cn-hangzhou.aliyuncs.com:443"}) {
            assertTrue(p.handles(h, s), h);
        }
        for (String h : new String[]{"docker.io", "aliyuncs.com", "evil-aliyuncs.com", "registry.cn-hangzhou.aliyuncs.com.evil.io"}) {
            assertFalse(p.handles(h, s), h);
        }
    }

    @Test
    void vpcRewriteAndAccelerators() {
        PluginSettings vpc = settings(Map.of("vpc", "true"));
        assertEquals(URI.create("https://registry-vpc.cn-hangzhou.aliyuncs.com"),
                new AliyunPlugin().create("https://registry.cn-hangzhou.aliyuncs.com", vpc).endpoint());
        assertEquals(URI.create("https://myco-registry-vpc.cn-shanghai.cr.aliyuncs.com"),
                new AliyunPlugin().create("myco-registry.cn-shanghai.cr.aliyuncs.com", vpc).endpoint());
        RegistryBackend pub = new AliyunPlugin().create("https://registry.cn-hangzhou.aliyuncs.com", settings(Map.of()));
        assertEquals(URI.create("https://registry.cn-hangzhou.aliyuncs.com"), pub.endpoint());
        assertEquals("ns/app", pub.upstreamRepository("ns/app"));
        RegistryBackend acc = new AliyunPlugin().create("https://abc123.mirror.aliyuncs.com", vpc);
        assertEquals("library/nginx", acc.upstreamRepository("nginx"));
        assertEquals("abc123.mirror.aliyuncs.com", acc.host());
        URI realm = URI.create("https://dockerauth.cn-hangzhou.aliyuncs.com/auth");
        assertEquals(realm, pub.tokenRealm(realm));
    }
}
