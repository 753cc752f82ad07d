package io.dfly.dfdaemon.config;

import io.dfly.core.config.InvalidSettingException;
import io.dfly.core.config.Settings;
import io.dfly.core.security.SecretFiles;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The trust-boundary settings: cluster secret, ports and listen address, allowed registries. */
class DfdaemonSettingsTest {
    @TempDir
    Path tmp;
    private final Map<String, String> props = new HashMap<>();

    @BeforeEach
    void setUp() throws Exception {
        Path secret = tmp.resolve("cluster.secret");
        Files.writeString(secret, "dfdaemon-test-cluster-secret-0123\n");
        props.put(DfdaemonSettings.CLUSTER_SECRET_FILE, secret.toString());
        props.put(DfdaemonSettings.DATA_DIR, tmp.resolve("data").toString());
        props.put(DfdaemonSettings.ADVERTISE_IP, "10.0.0.9");
    }

    private DfdaemonSettings settings() {
        return new DfdaemonSettings(new Settings(k -> Optional.ofNullable(props.get(k))));
    }

    @Test
    void defaults() {
        DfdaemonSettings s = settings();
        assertEquals(65001, s.port());
        assertEquals(65002, s.uploadPort());
        assertEquals("127.0.0.1", s.listenAddress());
        assertFalse(s.listensEverywhere());
        assertEquals("http://10.0.0.9:65002", s.advertisedUrl(), "peers fetch from the upload port");
        assertTrue(s.allowedRegistries().isEmpty());
        assertEquals(1L << 20, s.pieceMinRate(), "pieces move at 1 MiB/s at least, or their source failed");
    }

    @Test
    void pieceMinRateIsARateAboveZero() {
        props.put(DfdaemonSettings.PIECE_MIN_RATE, "512K");
        assertEquals(512 * 1024, settings().pieceMinRate());
        props.put(DfdaemonSettings.PIECE_MIN_RATE, "2M/s");
        assertEquals(2L << 20, settings().pieceMinRate());
        for (String bad : new String[]{"0", "fast", "-1M"}) {
            props.put(DfdaemonSettings.PIECE_MIN_RATE, bad);
            InvalidSettingException e = assertThrows(InvalidSettingException.class, this::settings);
            assertEquals("invalid value '" + bad + "' for dfly.dfdaemon.piece-min-rate: want a rate above 0 such as 512K"
                    + " or 1M (bytes per second)", e.getMessage());
        }
    }

    @Test
    void withoutTheClusterSecretTheDaemonDoesNotStart() {
        Path missing = tmp.resolve("nope.secret");
        props.put(DfdaemonSettings.CLUSTER_SECRET_FILE, missing.toString());
        SecretFiles.SecretFileException e = assertThrows(SecretFiles.SecretFileException.class, this::settings);
        assertTrue(e.getMessage().startsWith("no cluster secret file at " + missing), e.getMessage());
        assertTrue(e.getMessage().contains("copy the supernode's cluster secret"), e.getMessage());
    }

    @Test
    void listenAddressIsAnAddress() {
        props.put(DfdaemonSettings.LISTEN_ADDRESS, "0.0.0.0");
        assertTrue(settings().listensEverywhere());
        props.put(DfdaemonSettings.LISTEN_ADDRESS, "::");
        assertTrue(settings().listensEverywhere());
        props.put(DfdaemonSettings.LISTEN_ADDRESS, "10.1.2.3");
        assertEquals("10.1.2.3", settings().listenAddress());
        props.put(DfdaemonSettings.LISTEN_ADDRESS, "my-host");
        InvalidSettingException e = assertThrows(InvalidSettingException.class, this::settings);
        assertEquals("invalid value 'my-host' for dfly.dfdaemon.listen-address: want an IP address such as 127.0.0.1"
                + " (this host only) or 0.0.0.0 (every interface)", e.getMessage());
    }

    @Test
    void uploadsNeedTheirOwnPort() {
        props.put(DfdaemonSettings.UPLOAD_PORT, "65001");
        InvalidSettingException e = assertThrows(InvalidSettingException.class, this::settings);
        assertTrue(e.getMessage().contains(DfdaemonSettings.UPLOAD_PORT), e.getMessage());
        props.put(DfdaemonSettings.UPLOAD_PORT, "99999");
        assertThrows(InvalidSettingException.class, this::settings);
    }

    @Test
    void theRegistryAndRoutesCountAsAllowedButNoOtherInternalHost() {
        props.put(DfdaemonSettings.REGISTRY, "http://127.0.0.1:5000");
        props.put(DfdaemonSettings.REGISTRY_ROUTES, "private/=http://10.9.8.7:8080");
        props.put(DfdaemonSettings.ALLOWED_REGISTRIES, "192.168.5.0/24");
        DfdaemonSettings s = settings();
        assertTrue(s.origins().refusal(URI.create("http://127.0.0.1:5000/v2/")).isEmpty());
        assertTrue(s.origins().refusal(URI.create("http://10.9.8.7:8080/v2/")).isEmpty());
        assertTrue(s.origins().refusal(URI.create("http://192.168.5.20/v2/")).isEmpty());
        String refusal = s.origins().refusal(URI.create("http://10.0.0.1/")).orElseThrow();
        assertTrue(refusal.contains(DfdaemonSettings.ALLOWED_REGISTRIES), refusal);
        assertTrue(s.origins().refusal(URI.create("http://169.254.169.254/latest/meta-data/")).isPresent());
    }

    @Test
    void aBadAllowedRegistriesEntryNamesTheSetting() {
        props.put(DfdaemonSettings.ALLOWED_REGISTRIES, "http://x/y");
        InvalidSettingException e = assertThrows(InvalidSettingException.class, this::settings);
        assertTrue(e.getMessage().contains(DfdaemonSettings.ALLOWED_REGISTRIES), e.getMessage());
    }
}
