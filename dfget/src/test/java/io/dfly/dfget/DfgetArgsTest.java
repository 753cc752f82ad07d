package io.dfly.dfget;

import io.dfly.core.config.HostPort;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DfgetArgsTest {
    private static final String DIGEST = "sha256:" + "ab".repeat(32);

    @Test
    void parsesEveryOption() throws Exception {
        DfgetArgs a = DfgetArgs.parse(new String[]{"-u", "http://origin:8080/f.bin", "-o", "/tmp/out.bin",
                "--header", "Authorization: Bearer x:y", "-H", "X-Trace:1", "--digest", DIGEST, "--identifier", "layer-1",
                "--ratelimit", "20M", "--supernodes", "10.0.0.5:8002,10.0.0.6", "--timeout", "5m", "--no-back-to-source",
                "--dfdaemon", "127.0.0.1:7000", "--data-dir", "/var/dfget", "--advertise-ip", "10.0.0.9",
                "--cluster-secret-file", "/etc/dfly/cluster.secret"});
        assertEquals("http://origin:8080/f.bin", a.url());
        assertEquals(Path.of("/tmp/out.bin"), a.output());
        assertEquals(Map.of("Authorization", "Bearer x:y", "X-Trace", "1"), a.headers());
        assertEquals(DIGEST, a.digest());
        assertEquals("layer-1", a.identifier());
        assertEquals(20L << 20, a.rateLimit());
        assertEquals(List.of(new HostPort("10.0.0.5", 8002), new HostPort("10.0.0.6", 8002)), a.supernodes());
        assertEquals(Duration.ofMinutes(5), a.timeout());
        assertFalse(a.backToSource());
        assertEquals(new HostPort("127.0.0.1", 7000), a.dfdaemon());
        assertTrue(a.dfdaemonExplicit());
        assertEquals(Path.of("/var/dfget"), a.dataDir());
        assertEquals("10.0.0.9", a.advertiseIp());
        assertEquals(Path.of("/etc/dfly/cluster.secret"), a.clusterSecretFile());
    }

    @Test
    void theClusterSecretComesFromTheFlagThenTheEnvironmentThenTheDefault() throws Exception {
        String[] base = {"-u", "http://h/x", "-o", "/tmp/x"};
        assertEquals(Path.of(System.getProperty("user.home"), ".dfly", "cluster.secret"),
                DfgetArgs.parse(base, Map.of()).clusterSecretFile());
        assertEquals(Path.of("/srv/s"), DfgetArgs.parse(base, Map.of(DfgetArgs.SECRET_ENV, "/srv/s")).clusterSecretFile());
        String[] flagged = {"-u", "http://h/x", "-o", "/tmp/x", "--cluster-secret-file=/opt/s"};
        assertEquals(Path.of("/opt/s"), DfgetArgs.parse(flagged, Map.of(DfgetArgs.SECRET_ENV, "/srv/s")).clusterSecretFile());
    }

    @Test
    void neitherTheUsageErrorsNorToStringShowAQueryOrHeaderValues() throws Exception {
        assertEquals("bad URL 'ftp://h/x' (want http://host/path or https://host/path)",
                msg("-u", "ftp://h/x?sig=hush", "-o", "f"));
        DfgetArgs a = DfgetArgs.parse(new String[]{"-u", "http://h/x?X-Amz-Signature=hush", "-o", "/tmp/x", "-H",
                "Authorization: Bearer hush"}, Map.of());
        assertTrue(!a.toString().contains("hush"), a.toString());
    }

    @Test
    void defaultsAndRelativeOutputBecomesAbsolute() throws Exception {
        DfgetArgs a = DfgetArgs.parse(new String[]{"--url=https://h/x", "--output=out.bin"});
        assertTrue(a.output().isAbsolute());
        assertEquals("out.bin", a.output().getFileName().toString());
        assertTrue(a.backToSource());
        assertEquals(DfgetArgs.DEFAULT_DFDAEMON, a.dfdaemon());
        assertFalse(a.dfdaemonExplicit());
        assertFalse(a.standalone());
        assertEquals(0, a.rateLimit());
        assertEquals(DfgetArgs.DEFAULT_TIMEOUT, a.timeout());
    }

    @Test
    void helpNeedsNothingElseAndListsEveryOption() throws Exception {
        assertTrue(DfgetArgs.parse(new String[]{"--help"}).help());
        for (String opt : List.of("--url", "--output", "--header", "--digest", "--identifier", "--ratelimit", "--supernodes",
                "--timeout", "--no-back-to-source", "--dfdaemon", "--standalone", "--data-dir", "--cluster-secret-file", "--help")) {
            assertTrue(DfgetArgs.USAGE.contains(opt), opt);
        }
    }

    @Test
    void badCommandLinesSayWhatIsWrong() {
        assertEquals("missing -u URL (see dfget --help)", msg("-o", "/tmp/x"));
        assertEquals("missing -o FILE (see dfget --help)", msg("-u", "http://h/x"));
        assertEquals("bad URL 'ftp://h/x' (want http://host/path or https://host/path)", msg("-u", "ftp://h/x", "-o", "f"));
        assertEquals("bad URL 'not a url' (want http://host/path or https://host/path)", msg("-u", "not a url", "-o", "f"));
        assertEquals("unknown option '--frobnicate' (see dfget --help)", msg("--frobnicate", "1"));
        assertEquals("option --output needs a value", msg("-u", "http://h/x", "--output"));
        assertEquals("bad header 'NoColon' (want 'Name: value')", msg("-H", "NoColon"));
        assertTrue(msg("--digest", "md5:1").startsWith("bad --digest"));
        assertTrue(msg("--ratelimit", "fast").startsWith("bad --ratelimit"));
        assertTrue(msg("--timeout", "soon").startsWith("bad --timeout"));
        assertTrue(msg("--supernodes", "h:99999").startsWith("bad --supernodes"));
        assertEquals("--standalone and --dfdaemon exclude each other",
                msg("-u", "http://h/x", "-o", "f", "--standalone", "--dfdaemon", "h:1"));
    }

    @Test
    void formatsDurationsAsWritten() {
        assertEquals("5m", DfgetArgs.formatDuration(Duration.ofMinutes(5)));
        assertEquals("90s", DfgetArgs.formatDuration(Duration.ofSeconds(90)));
        assertEquals("2h", DfgetArgs.formatDuration(Duration.ofHours(2)));
    }

    private static String msg(String... args) {
        return assertThrows(UsageException.class, () -> DfgetArgs.parse(args)).getMessage();
    }
}
