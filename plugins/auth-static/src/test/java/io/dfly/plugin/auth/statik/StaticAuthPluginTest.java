package io.dfly.plugin.auth.statik;

import io.dfly.spi.AuthProvider;
import io.dfly.spi.Credentials;
import io.dfly.spi.InvalidPluginSettingException;
import io.dfly.spi.Plugin;
import io.dfly.spi.PluginSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StaticAuthPluginTest {
    static PluginSettings settings(Map<String, String> m) {
        return new PluginSettings() {
            public String pluginName() { return "static"; }
            public Optional<String> get(String key) { return Optional.ofNullable(m.get(key)); }
        };
    }

    @Test
    void listForm() {
        Plugin p = ServiceLoader.load(Plugin.class).findFirst().orElseThrow();
        AuthProvider a = p.authProviderFactories().get(0).create(settings(Map.of(
                "credentials", "127.0.0.1:5000=alice:s3:cr3t, index.docker.io=bob:pw")));
        assertEquals(new Credentials("alice", "s3:cr3t"), a.credentialsFor("127.0.0.1:5000").orElseThrow());
        assertEquals(new Credentials("bob", "pw"), a.credentialsFor("docker.io").orElseThrow());
        assertEquals(new Credentials("bob", "pw"), a.credentialsFor("registry-1.docker.io").orElseThrow());
        assertTrue(a.credentialsFor("quay.io").isEmpty());
        assertFalse(a.toString().contains("pw"));
    }

    @Test
    void perHostFormWithPasswordFile(@TempDir Path dir) throws Exception {
        Path secret = dir.resolve("pw");
        Files.writeString(secret, "first\n");
        AuthProvider a = new StaticAuthPlugin().create(settings(Map.of("hosts", "harbor.example.com,reg:5000",
                "harbor.example.com.username", "robot$ci", "harbor.example.com.password-file", secret.toString(),
                "reg:5000.username", "u", "reg:5000.password", "p")));
        assertEquals(new Credentials("robot$ci", "first"), a.credentialsFor("harbor.example.com").orElseThrow());
        Files.writeString(secret, "rotated");
        assertEquals("rotated", a.credentialsFor("HARBOR.example.com:443").orElseThrow().secret());
        assertEquals(new Credentials("u", "p"), a.credentialsFor("reg:5000").orElseThrow());
    }

    @Test
    void errorsNameThePropertyNotTheSecret() {
        InvalidPluginSettingException e = assertThrows(InvalidPluginSettingException.class,
                () -> new StaticAuthPlugin().create(settings(Map.of("credentials", "reg=nosecretseparatorTOPSECRET"))));
        assertTrue(e.getMessage().contains("dfly.plugin.static.credentials"));
        assertFalse(e.getMessage().contains("TOPSECRET"));
        InvalidPluginSettingException missing = assertThrows(InvalidPluginSettingException.class,
                () -> new StaticAuthPlugin().create(settings(Map.of("hosts", "reg", "reg.username", "u"))));
        assertTrue(missing.getMessage().contains("dfly.plugin.static.reg.password"));
    }
}
