package io.dfly.plugin.auth.dockerconfig;

import io.dfly.spi.AuthProvider;
import io.dfly.spi.Credentials;
import io.dfly.spi.InvalidPluginSettingException;
import io.dfly.spi.Plugin;
import io.dfly.spi.PluginSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DockerConfigAuthPluginTest {
    static PluginSettings settings(Map<String, String> m) {
        return new PluginSettings() {
            public String pluginName() { return "docker-config"; }
            public Optional<String> get(String key) { return Optional.ofNullable(m.get(key)); }
        };
    }

    static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes());
    }

    @Test
    void readsAuthsAndFollowsChanges(@TempDir Path dir) throws Exception {
        Path cfg = dir.resolve("config.json");
        Files.writeString(cfg, "{\n \"auths\": {\n  \"https://index.docker.io/v1/\": {\"auth\": \"" + b64("hub:p:w") + "\"},\n"
                + "  \"127.0.0.1:5000\": {\"auth\": \"" + b64("testuser:testpass") + "\"},\n"
                + "  \"http://harbor.local\": {\"username\": \"robot\", \"password\": \"x\\u0041\"},\n"
                + "  \"broken\": {\"auth\": \"!!notbase64\"}\n },\n \"credsStore\": \"desktop\", \"n\": [1, 2.5, true, null]\n}");
        Plugin p = ServiceLoader.load(Plugin.class).findFirst().orElseThrow();
        AuthProvider a = p.authProviderFactories().get(0).create(settings(Map.of("path", cfg.toString())));
        assertEquals(new Credentials("hub", "p:w"), a.credentialsFor("docker.io").orElseThrow());
        assertEquals(new Credentials("hub", "p:w"), a.credentialsFor("registry-1.docker.io").orElseThrow());
        assertEquals(new Credentials("testuser", "testpass"), a.credentialsFor("127.0.0.1:5000").orElseThrow());
        assertEquals(new Credentials("robot", "xA"), a.credentialsFor("harbor.local").orElseThrow());
        assertTrue(a.credentialsFor("broken").isEmpty());
        assertTrue(a.credentialsFor("quay.io").isEmpty());

        Files.writeString(cfg, "{\"auths\":{\"127.0.0.1:5000\":{\"auth\":\"" + b64("testuser:new") + "\"}}}");
        Files.setLastModifiedTime(cfg, FileTime.fromMillis(System.currentTimeMillis() + 5000));
        assertEquals("new", a.credentialsFor("127.0.0.1:5000").orElseThrow().secret());
        assertTrue(a.credentialsFor("docker.io").isEmpty());

        Files.writeString(cfg, "{not json");
        Files.setLastModifiedTime(cfg, FileTime.fromMillis(System.currentTimeMillis() + 10000));
        assertTrue(a.credentialsFor("127.0.0.1:5000").isEmpty(), "a broken file gives no credentials");
    }

    @Test
    void badJsonIsRefusedWithoutQuotingTheFile() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DockerConfigAuthPlugin.parse("{\"auths\": {\"h\": {\"auth\": \"" + b64("u:TOPSECRET") + "\""));
        assertTrue(e.getMessage().startsWith("not JSON"), e.getMessage());
        assertTrue(!e.getMessage().contains(b64("u:TOPSECRET")) && e.getCause() == null, e.getMessage());
        assertTrue(DockerConfigAuthPlugin.parse("").isEmpty(), "an empty file holds no credentials");
        assertTrue(DockerConfigAuthPlugin.parse("[1]").isEmpty());
        assertTrue(DockerConfigAuthPlugin.parse("{\"auths\": [\"h\"]}").isEmpty());
    }

    @Test
    void missingConfiguredFileNamesTheProperty(@TempDir Path dir) {
        InvalidPluginSettingException e = assertThrows(InvalidPluginSettingException.class, () ->
                new DockerConfigAuthPlugin().create(settings(Map.of("path", dir.resolve("nope.json").toString()))));
        assertTrue(e.getMessage().contains("dfly.plugin.docker-config.path"));
    }
}
