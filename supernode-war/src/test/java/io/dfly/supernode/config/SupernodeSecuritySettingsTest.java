package io.dfly.supernode.config;

import io.dfly.core.config.InvalidSettingException;
import io.dfly.core.config.Settings;
import io.dfly.core.security.ClusterSecret;
import io.dfly.core.security.OperatorToken;
import io.dfly.core.security.SecretFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The security settings: secret files, allowed origins, the cluster interface. */
class SupernodeSecuritySettingsTest {
    @TempDir
    Path dir;

    private SupernodeSettings settings(Map<String, String> extra) {
        Map<String, String> p = new HashMap<>(Map.of(SupernodeSettings.DATA_DIR, dir.resolve("data").toString(),
                SupernodeSettings.ADVERTISE_IP, "127.0.0.1"));
        p.putAll(extra);
        return new SupernodeSettings(new Settings(k -> Optional.ofNullable(p.get(k))));
    }

    @Test
    void defaults() {
        SupernodeSettings s = settings(Map.of());
        assertEquals(Path.of(Settings.expandHome(ClusterSecret.DEFAULT_FILE)), s.clusterSecretFile());
        assertTrue(s.clusterSecretFileIsDefault());
        assertEquals(Path.of(Settings.expandHome(OperatorToken.DEFAULT_FILE)), s.apiTokenFile());
        assertTrue(s.apiTokenFileIsDefault());
        assertEquals("127.0.0.1", s.clusterInterface(), "the cluster interface defaults to the advertise-ip");
        assertTrue(s.allowedOrigins().refusal(URI.create("http://127.0.0.1/x")).isPresent(), "nothing internal listed by default");
        assertEquals(SupernodeSettings.ALLOWED_ORIGINS, s.allowedOrigins().property());
    }

    @Test
    void namedFilesMustExistAndAreRead() throws Exception {
        Path secret = dir.resolve("cluster.secret");
        Path token = dir.resolve("api.token");
        SupernodeSettings s = settings(Map.of(SupernodeSettings.CLUSTER_SECRET_FILE, secret.toString(),
                SupernodeSettings.API_TOKEN_FILE, token.toString()));
        assertFalse(s.clusterSecretFileIsDefault());
        List<String> notices = new ArrayList<>();
        SecretFiles.SecretFileException missing = assertThrows(SecretFiles.SecretFileException.class,
                () -> SupernodeSecrets.load(s, notices::add));
        assertTrue(missing.getMessage().contains(secret.toString()) && missing.getMessage().contains(ClusterSecret.PROPERTY),
                missing.getMessage());
        assertFalse(missing.getMessage().contains("\n"), "one line");
        assertFalse(Files.exists(secret), "a named file is never created");

        Files.writeString(secret, "a-cluster-secret-of-enough-length\n");
        SecretFiles.SecretFileException noToken = assertThrows(SecretFiles.SecretFileException.class,
                () -> SupernodeSecrets.load(s, notices::add));
        assertTrue(noToken.getMessage().contains(OperatorToken.PROPERTY), noToken.getMessage());

        Files.writeString(token, "an-operator-token-of-enough-length\n");
        SupernodeSecrets loaded = SupernodeSecrets.load(s, notices::add);
        assertTrue(loaded.operator().accepts("Bearer an-operator-token-of-enough-length"));
        assertEquals(ClusterSecret.of("a-cluster-secret-of-enough-length").derivedName("x", 8), loaded.cluster().derivedName("x", 8));
        assertFalse(loaded.toString().contains("enough-length"), "toString shows no secret");
    }

    @Test
    void allowedOriginsAreParsedAndABadEntryNamesTheProperty() {
        SupernodeSettings s = settings(Map.of(SupernodeSettings.ALLOWED_ORIGINS, "registry.local, *.corp.example, 10.0.0.0/8"));
        assertEquals(Optional.empty(), s.allowedOrigins().refusal("registry.local"));
        assertEquals(Optional.empty(), s.allowedOrigins().refusal("10.1.2.3"));
        assertTrue(s.allowedOrigins().refusal("192.168.1.1").isPresent());
        InvalidSettingException bad = assertThrows(InvalidSettingException.class,
                () -> settings(Map.of(SupernodeSettings.ALLOWED_ORIGINS, "http://x/y")));
        assertTrue(bad.getMessage().contains(SupernodeSettings.ALLOWED_ORIGINS), bad.getMessage());
    }

    @Test
    void theClusterInterfaceMustBeAnAddressOfThisHost() {
        assertEquals("127.0.0.1", settings(Map.of(SupernodeSettings.CLUSTER_INTERFACE, "127.0.0.1")).clusterInterface());
        InvalidSettingException notHere = assertThrows(InvalidSettingException.class,
                () -> settings(Map.of(SupernodeSettings.CLUSTER_INTERFACE, "203.0.113.77")));
        assertTrue(notHere.getMessage().contains(SupernodeSettings.CLUSTER_INTERFACE), notHere.getMessage());
        // the default follows the advertise-ip, and says so when that is not an address of this host
        InvalidSettingException advertised = assertThrows(InvalidSettingException.class,
                () -> settings(Map.of(SupernodeSettings.ADVERTISE_IP, "203.0.113.77")));
        assertTrue(advertised.getMessage().contains(SupernodeSettings.ADVERTISE_IP)
                && advertised.getMessage().contains(SupernodeSettings.CLUSTER_INTERFACE), advertised.getMessage());
    }
}
