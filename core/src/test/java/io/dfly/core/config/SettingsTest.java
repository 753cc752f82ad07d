package io.dfly.core.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SettingsTest {
    private static Settings of(Map<String, String> m) {
        return new Settings(k -> Optional.ofNullable(m.get(k)));
    }

    @Test
    void portMustBeANumberInRange() {
        var e = assertThrows(InvalidSettingException.class, () -> of(Map.of("dfly.dfdaemon.port", "abc")).port("dfly.dfdaemon.port", 65001));
        assertEquals("invalid value 'abc' for dfly.dfdaemon.port: want a port number from 0 to 65535", e.getMessage());
        assertEquals("dfly.dfdaemon.port", e.property());
        assertThrows(InvalidSettingException.class, () -> of(Map.of("p", "70000")).port("p", 1));
        assertEquals(8002, of(Map.of()).port("p", 8002));
        assertEquals(9000, of(Map.of("p", " 9000 ")).port("p", 8002));
    }

    @Test
    void rateLimitUsesDragonflyUnits() {
        assertEquals(20L << 20, of(Map.of("r", "20M")).bytes("r", 0));
        assertEquals(1L << 30, of(Map.of("r", "1G")).bytes("r", 0));
        assertEquals(512L << 10, of(Map.of("r", "512k")).bytes("r", 0));
        assertEquals(100L << 20, of(Map.of("r", "100MB")).bytes("r", 0));
        var e = assertThrows(InvalidSettingException.class, () -> of(Map.of("dfly.dfdaemon.ratelimit", "100Q")).bytes("dfly.dfdaemon.ratelimit", 0));
        assertTrue(e.getMessage().startsWith("invalid value '100Q' for dfly.dfdaemon.ratelimit"), e.getMessage());
    }

    @Test
    void durationsBooleansListsAndAddresses() {
        assertEquals(Duration.ofMinutes(5), of(Map.of("d", "5m")).duration("d", Duration.ZERO));
        assertEquals(Duration.ofSeconds(90), of(Map.of("d", "PT90S")).duration("d", Duration.ZERO));
        assertThrows(InvalidSettingException.class, () -> of(Map.of("d", "soon")).duration("d", Duration.ZERO));
        assertTrue(of(Map.of("b", "yes")).bool("b", false));
        assertThrows(InvalidSettingException.class, () -> of(Map.of("b", "maybe")).bool("b", false));
        assertEquals(List.of("a", "b"), of(Map.of("l", " a, ,b ")).list("l", List.of()));
        assertEquals(List.of(new HostPort("10.0.0.5", 8002), new HostPort("sn2", 9000)),
                of(Map.of("s", "10.0.0.5,sn2:9000")).hostPorts("s", List.of(), 8002));
        var e = assertThrows(InvalidSettingException.class, () -> of(Map.of("dfly.dfdaemon.supernodes", "a:b")).hostPorts("dfly.dfdaemon.supernodes", List.of(), 8002));
        assertTrue(e.getMessage().contains("dfly.dfdaemon.supernodes"), e.getMessage());
    }

    @Test
    void directories(@TempDir Path tmp) throws Exception {
        Path created = of(Map.of("d", tmp.resolve("a/b").toString())).writableDir("d", tmp);
        assertTrue(Files.isDirectory(created));
        var e = assertThrows(InvalidSettingException.class, () -> of(Map.of("dfly.plugins.dir", tmp.resolve("nope").toString())).existingDir("dfly.plugins.dir"));
        assertTrue(e.getMessage().contains("dfly.plugins.dir") && e.getMessage().contains("existing, readable directory"), e.getMessage());
        Path file = Files.writeString(tmp.resolve("f"), "x");
        assertThrows(InvalidSettingException.class, () -> of(Map.of("d", file.resolve("sub").toString())).writableDir("d", tmp));
    }
}
