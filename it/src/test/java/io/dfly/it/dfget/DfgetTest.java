package io.dfly.it.dfget;

import io.dfly.core.piece.Digests;
import io.dfly.it.harness.DflyNode;
import io.dfly.it.harness.FreePorts;
import io.dfly.it.harness.OriginServer;
import io.dfly.it.registry.Procs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The real dfget jar as a process, against a REAL supernode (and a real dfdaemon) and a real origin. */
class DfgetTest {
    private static final long MIB = 1L << 20;
    @TempDir
    static Path tmp;
    private static DflyNode supernode;
    private static DflyNode dfdaemon;
    private static OriginServer origin;

    /** What a dfget run left behind. */
    record Run(int exit, String stdout, String stderr) {
        List<String> errLines() {
            return stderr.lines().filter(l -> !l.isBlank()).toList();
        }
    }

    @BeforeAll
    static void start() {
        origin = new OriginServer();
        supernode = DflyNode.supernode(Map.of());
        dfdaemon = DflyNode.dfdaemon(Map.of("dfly.dfdaemon.supernodes", supernode.hostPort()));
        supernode.start();
        dfdaemon.start();
    }

    @AfterAll
    static void stop() {
        Procs.closeAll(dfdaemon, supernode, origin);
    }

    private static Path jar() {
        String root = System.getProperty("dfly.project.root");
        Path base = root != null ? Path.of(root) : Path.of("..").toAbsolutePath().normalize();
        return base.resolve("dfget/target/dfget.jar");
    }

    private static Run dfget(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-jar", jar().toString()));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(tmp, "dfget", ".out");
        Path err = Files.createTempFile(tmp, "dfget", ".err");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
        // this host is enrolled: dfget finds the cluster secret as the README says (here through the environment)
        pb.environment().put("DFLY_SECURITY_CLUSTER_SECRET_FILE", io.dfly.it.harness.TestSecrets.secretFile().toString());
        Process p = pb.start();
        if (!p.waitFor(3, TimeUnit.MINUTES)) {
            p.destroyForcibly().waitFor();
            throw new AssertionError("dfget did not finish: " + String.join(" ", cmd));
        }
        return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }

    /** dfget running its own engine (no dfdaemon), its own data dir. */
    private static Run standalone(String... args) throws IOException, InterruptedException {
        List<String> all = new ArrayList<>(List.of("--standalone", "--data-dir", tmp.resolve("cache-" + System.nanoTime()).toString(),
                "--advertise-ip", "127.0.0.1", "--supernodes", supernode.hostPort()));
        all.addAll(List.of(args));
        return dfget(all.toArray(String[]::new));
    }

    @Test
    void downloadsThroughTheSupernodeAndPrintsOneSummaryLine() throws Exception {
        String url = origin.serveRandom("/dfget/ok.bin", tmp, 20 * MIB);
        Path file = tmp.resolve("ok-copy.bin");
        Run r = standalone("-u", url, "-o", file.toString());
        assertEquals(0, r.exit(), r.stderr());
        assertArrayEquals(Files.readAllBytes(tmp.resolve("_dfget_ok.bin")), Files.readAllBytes(file));
        List<String> lines = r.stdout().lines().toList();
        assertEquals(1, lines.size(), r.stdout());
        assertTrue(lines.get(0).matches("dfget: downloaded " + java.util.regex.Pattern.quote(file.toString())
                + " \\(20\\.0 MiB\\) in \\d+\\.\\ds, [\\d.]+ (B|KiB|MiB|GiB)/s — peers [\\d.]+ (B|KiB|MiB), supernode 20\\.0 MiB,"
                + " origin 0 B"), lines.get(0));
        assertEquals("", r.stderr());
        assertFalse(Files.exists(tmp.resolve("ok-copy.bin.dfly-tmp")));
    }

    @Test
    void originNotFoundIsOneLineAndNoFile() throws Exception {
        Path file = tmp.resolve("missing.bin");
        Run r = standalone("-u", origin.url("/dfget/missing.bin"), "-o", file.toString());
        assertEquals(1, r.exit());
        assertEquals(1, r.errLines().size(), r.stderr());
        assertTrue(r.errLines().get(0).startsWith("dfget: error: "), r.stderr());
        assertTrue(r.errLines().get(0).contains("404") || r.errLines().get(0).toLowerCase().contains("not found"), r.stderr());
        assertFalse(Files.exists(file));
        assertFalse(Files.exists(tmp.resolve("missing.bin.dfly-tmp")));
    }

    @Test
    void digestMismatchIsOneLineAndLeavesNoPartialFile() throws Exception {
        String url = origin.serveRandom("/dfget/digest.bin", tmp, 6 * MIB);
        Path file = tmp.resolve("digest-copy.bin");
        String wrong = Digests.sha256("something else".getBytes(StandardCharsets.UTF_8));
        Run r = standalone("-u", url, "-o", file.toString(), "--digest", wrong);
        assertEquals(1, r.exit());
        List<String> errors = r.errLines().stream().filter(l -> l.startsWith("dfget: error: ")).toList();
        assertEquals(1, errors.size(), r.stderr());
        assertTrue(errors.get(0).contains("digest"), r.stderr());
        assertFalse(Files.exists(file));
        assertFalse(Files.exists(tmp.resolve("digest-copy.bin.dfly-tmp")));
    }

    @Test
    void supernodeUnreachableWithoutBackToSourceIsOneClearLine() throws Exception {
        String url = origin.serveRandom("/dfget/strict.bin", tmp, MIB);
        Path file = tmp.resolve("strict-copy.bin");
        int dead = FreePorts.pick();
        Run r = dfget("--standalone", "--data-dir", tmp.resolve("strict-cache").toString(), "--supernodes", "127.0.0.1:" + dead,
                "--no-back-to-source", "-u", url, "-o", file.toString());
        assertEquals(1, r.exit());
        assertEquals(List.of("dfget: error: supernode 127.0.0.1:" + dead + " unreachable (127.0.0.1:" + dead
                + ": connection refused); back-to-source is disabled — check --supernodes"), r.errLines());
        assertFalse(Files.exists(file));
        assertEquals(0, origin.getCount("/dfget/strict.bin"));
    }

    @Test
    void supernodeUnreachableFallsBackWithOneWarningLine() throws Exception {
        String url = origin.serveRandom("/dfget/fallback.bin", tmp, 3 * MIB);
        Path file = tmp.resolve("fallback-copy.bin");
        int dead = FreePorts.pick();
        Run r = dfget("--standalone", "--data-dir", tmp.resolve("fb-cache").toString(), "--supernodes", "127.0.0.1:" + dead,
                "-u", url, "-o", file.toString());
        assertEquals(0, r.exit(), r.stderr());
        assertEquals(List.of("dfget: warning: supernode 127.0.0.1:" + dead + " unreachable — check --supernodes"
                + " / dfly.supernode.advertise-ip; downloading from origin"), r.errLines());
        assertArrayEquals(Files.readAllBytes(tmp.resolve("_dfget_fallback.bin")), Files.readAllBytes(file));
    }

    @Test
    void timeoutIsOneLineAndNoFile() throws Exception {
        String url = origin.serveRandom("/dfget/slow.bin", tmp, 16 * MIB);
        Path file = tmp.resolve("slow-copy.bin");
        origin.throttle(256 * 1024); // 64 s for the whole file
        try {
            Run r = standalone("-u", url, "-o", file.toString(), "--timeout", "3s");
            assertEquals(1, r.exit());
            assertEquals(1, r.errLines().size(), r.stderr());
            assertTrue(r.errLines().get(0).startsWith("dfget: error: timed out after 3s"), r.stderr());
            assertFalse(Files.exists(file));
            assertFalse(Files.exists(tmp.resolve("slow-copy.bin.dfly-tmp")));
        } finally {
            origin.throttle(0);
        }
    }

    @Test
    void badCommandLineExitsTwoWithOneLine() throws Exception {
        Run r = dfget("-u", "ftp://nope/x", "-o", tmp.resolve("x").toString());
        assertEquals(2, r.exit());
        assertEquals(List.of("dfget: bad URL 'ftp://nope/x' (want http://host/path or https://host/path)"), r.errLines());
        Run help = dfget("--help");
        assertEquals(0, help.exit());
        assertTrue(help.stdout().contains("--no-back-to-source"));
    }

    @Test
    void usesARunningDfdaemonAndWritesTheFileItself() throws Exception {
        String url = origin.serveRandom("/dfget/daemon.bin", tmp, 10 * MIB);
        Path file = tmp.resolve("daemon-copy.bin");
        Run r = dfget("--dfdaemon", dfdaemon.hostPort(), "-u", url, "-o", file.toString());
        assertEquals(0, r.exit(), r.stderr() + "\n" + dfdaemon.tail(40));
        assertArrayEquals(Files.readAllBytes(tmp.resolve("_dfget_daemon.bin")), Files.readAllBytes(file));
        assertTrue(r.stdout().startsWith("dfget: downloaded " + file), r.stdout());
        Run missing = dfget("--dfdaemon", dfdaemon.hostPort(), "-u", origin.url("/dfget/nope.bin"), "-o",
                tmp.resolve("nope.bin").toString());
        assertEquals(1, missing.exit());
        assertEquals(1, missing.errLines().size(), missing.stderr());
        assertFalse(Files.exists(tmp.resolve("nope.bin")));
        // the daemon never writes a path a caller names: dfget writes the file as its own user
        java.net.http.HttpResponse<String> named = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(dfdaemon.baseUrl() + "/api/v1/downloads"))
                        .header("Content-Type", "application/json")
                        .header("Authorization", io.dfly.it.harness.TestSecrets.secret().hostTokens()
                                .authorization("dfget-test", "POST", "/api/v1/downloads"))
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"url\":\"" + url + "\",\"output\":\"" + tmp.resolve("named.bin") + "\"}"))
                        .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(400, named.statusCode(), named.body());
        assertTrue(named.body().contains("output"), named.body());
        assertFalse(Files.exists(tmp.resolve("named.bin")));
        java.util.Map<String, Double> metrics = io.dfly.it.harness.Http.metrics(dfdaemon.baseUrl());
        assertEquals(10.0 * MIB, (double) metrics.getOrDefault("dfly_engine_bytes_from_supernode_total", -1.0), metrics.toString());
    }
}
