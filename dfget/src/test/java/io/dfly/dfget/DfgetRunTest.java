package io.dfly.dfget;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.dfly.core.piece.Digests;
import io.dfly.core.security.ClusterSecret;
import io.dfly.core.security.HostTokens;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** dfget end to end in this JVM: the secret, the dfdaemon protocol (dfget writes the file), standalone. */
class DfgetRunTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SECRET = "dfget-test-cluster-secret-0123456789";
    private static final String TASK = "ab".repeat(32);
    @TempDir
    Path tmp;
    private final byte[] content = new byte[200_000];
    private Path secretFile;
    private HttpServer daemon;
    /** What the fake dfdaemon sends on GET: the content by default. */
    private volatile byte[] served;
    private final List<JsonNode> posted = new CopyOnWriteArrayList<>();
    private final List<String> callers = new CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        new Random(11).nextBytes(content);
        served = content;
        secretFile = tmp.resolve("cluster.secret");
        Files.writeString(secretFile, SECRET + "\n");
        HostTokens tokens = ClusterSecret.of(SECRET).hostTokens();
        daemon = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
        daemon.createContext("/_ping", ex -> {
            ex.getResponseHeaders().set(DaemonDownload.NODE_HEADER, DaemonDownload.DFDAEMON);
            reply(ex, 200, "text/plain", "OK");
        });
        daemon.createContext("/api/v1/downloads", ex -> {
            String path = ex.getRequestURI().getRawPath();
            var caller = tokens.verify(ex.getRequestHeaders().getFirst("Authorization"), ex.getRequestMethod(), path);
            if (caller.isEmpty()) {
                reply(ex, 401, "application/json", "{\"error\":\"unauthorized\",\"message\":\"enrolled hosts only\"}");
                return;
            }
            callers.add(caller.get());
            if (ex.getRequestMethod().equals("POST")) {
                JsonNode body = JSON.readTree(ex.getRequestBody());
                posted.add(body);
                reply(ex, 200, "application/x-ndjson",
                        "{\"completedBytes\":0,\"totalBytes\":" + content.length + ",\"done\":false,\"error\":null}\n"
                                + "{\"completedBytes\":" + content.length + ",\"totalBytes\":" + content.length
                                + ",\"fromPeers\":0,\"fromSupernode\":" + content.length + ",\"fromOrigin\":0,\"done\":true,"
                                + "\"error\":null,\"taskId\":\"" + TASK + "\",\"digest\":\"" + Digests.sha256(content)
                                + "\",\"contentLength\":" + content.length + "}\n");
            } else if (path.equals("/api/v1/downloads/" + TASK)) {
                byte[] b = served;
                ex.sendResponseHeaders(200, b.length);
                ex.getResponseBody().write(b);
                ex.close();
            } else {
                reply(ex, 404, "application/json", "{\"error\":\"not_found\",\"message\":\"no such task\"}");
            }
        });
        daemon.start();
    }

    @AfterEach
    void tearDown() {
        daemon.stop(0);
    }

    private static void reply(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, b.length);
        ex.getResponseBody().write(b);
        ex.close();
    }

    private record Run(int exit, String out, String err) {
    }

    private Run dfget(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Dfget.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                false);
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private String dfdaemon() {
        return "127.0.0.1:" + daemon.getAddress().getPort();
    }

    @Test
    void withoutTheClusterSecretDfgetSaysHowToGetOne() {
        Path none = tmp.resolve("missing.secret");
        Path file = tmp.resolve("out.bin");
        Run r = dfget("-u", "http://h/x", "-o", file.toString(), "--dfdaemon", dfdaemon(), "--cluster-secret-file", none.toString());
        assertEquals(1, r.exit());
        assertEquals("dfget: error: no cluster secret at " + none + " — copy the supernode's cluster secret"
                + " (~/.dfly/cluster.secret on the supernode host) to this host with mode 0600, or name it with"
                + " --cluster-secret-file (or $DFLY_SECURITY_CLUSTER_SECRET_FILE)", r.err().trim());
        assertTrue(posted.isEmpty(), "nothing was asked of the dfdaemon");
        assertFalse(Files.exists(file));
    }

    @Test
    void throughTheDfdaemonDfgetWritesTheFileItself() throws Exception {
        Path file = tmp.resolve("out.bin");
        Run r = dfget("-u", "http://origin/f.bin", "-o", file.toString(), "--dfdaemon", dfdaemon(), "--cluster-secret-file",
                secretFile.toString(), "-H", "Authorization: Bearer origin");
        assertEquals(0, r.exit(), r.err());
        assertArrayEquals(content, Files.readAllBytes(file));
        assertFalse(Files.exists(tmp.resolve("out.bin.dfly-tmp")));
        JsonNode body = posted.get(0);
        assertFalse(body.has("output"), "the daemon is never told where to write: " + body);
        assertEquals("http://origin/f.bin", body.get("url").asText());
        assertEquals("Bearer origin", body.get("headers").get("Authorization").asText());
        assertEquals(2, callers.size(), "POST and GET, each with a host token");
        assertTrue(callers.get(0).startsWith("dfget-"), callers.toString());
    }

    @Test
    void aPlantedLinkAtTheTmpPathIsReplacedNotFollowed() throws Exception {
        Path victim = tmp.resolve("victim");
        Files.writeString(victim, "keep me");
        Path file = tmp.resolve("out.bin");
        Files.createSymbolicLink(tmp.resolve("out.bin.dfly-tmp"), victim);
        Run r = dfget("-u", "http://origin/f.bin", "-o", file.toString(), "--dfdaemon", dfdaemon(), "--cluster-secret-file",
                secretFile.toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals("keep me", Files.readString(victim));
        assertArrayEquals(content, Files.readAllBytes(file));
    }

    @Test
    void bytesThatDoNotMatchTheDigestLeaveNoFile() throws Exception {
        byte[] bad = content.clone();
        bad[1000] ^= 1;
        served = bad;
        Path file = tmp.resolve("out.bin");
        Files.writeString(file, "old");
        Run r = dfget("-u", "http://origin/f.bin", "-o", file.toString(), "--dfdaemon", dfdaemon(), "--cluster-secret-file",
                secretFile.toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().startsWith("dfget: error: the bytes from the dfdaemon do not match"), r.err());
        assertEquals("old", Files.readString(file), "the old output stays as it was");
        assertFalse(Files.exists(tmp.resolve("out.bin.dfly-tmp")));
    }

    @Test
    void aShortFileLeavesNoFile() {
        served = java.util.Arrays.copyOf(content, 1000);
        Path file = tmp.resolve("out.bin");
        Run r = dfget("-u", "http://origin/f.bin", "-o", file.toString(), "--dfdaemon", dfdaemon(), "--cluster-secret-file",
                secretFile.toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("sent 1000 of " + content.length + " bytes"), r.err());
        assertFalse(Files.exists(file));
        assertFalse(Files.exists(tmp.resolve("out.bin.dfly-tmp")));
    }

    @Test
    void aDfdaemonOfAnotherClusterRefusesAndDfgetSaysSo() throws Exception {
        Path other = tmp.resolve("other.secret");
        Files.writeString(other, "another-cluster-entirely-0000000");
        Path file = tmp.resolve("out.bin");
        Run r = dfget("-u", "http://origin/f.bin", "-o", file.toString(), "--dfdaemon", dfdaemon(), "--cluster-secret-file",
                other.toString());
        assertEquals(1, r.exit());
        assertEquals("dfget: error: dfdaemon refused the download: enrolled hosts only (HTTP 401)", r.err().trim());
        assertFalse(Files.exists(file));
    }

    @Test
    void standaloneRunsTheEngineWithTheSecret() throws Exception {
        HttpServer origin = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4);
        origin.createContext("/f.bin", ex -> {
            ex.sendResponseHeaders(200, content.length);
            ex.getResponseBody().write(content);
            ex.close();
        });
        origin.start();
        int dead;
        try (ServerSocket s = new ServerSocket(0)) {
            dead = s.getLocalPort();
        }
        try {
            Path file = tmp.resolve("alone.bin");
            Run r = dfget("-u", "http://127.0.0.1:" + origin.getAddress().getPort() + "/f.bin", "-o", file.toString(),
                    "--standalone", "--supernodes", "127.0.0.1:" + dead, "--data-dir", tmp.resolve("cache").toString(),
                    "--advertise-ip", "127.0.0.1", "--cluster-secret-file", secretFile.toString());
            assertEquals(0, r.exit(), r.err());
            assertArrayEquals(content, Files.readAllBytes(file));
            assertTrue(r.err().contains("dfget: warning: supernode 127.0.0.1:" + dead + " unreachable"), r.err());
        } finally {
            origin.stop(0);
        }
    }

    @Test
    void aFullDataDirIsOneClearErrorAndLeavesNoFile() throws Exception {
        Path small = tmp.resolve("small-cache");
        Files.createDirectories(small);
        org.junit.jupiter.api.Assumptions.assumeTrue("root".equals(System.getProperty("user.name"))
                && run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", small.toString()), "needs root to mount a tmpfs");
        byte[] big = new byte[3 << 20];
        new Random(3).nextBytes(big);
        HttpServer origin = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4);
        origin.createContext("/big.bin", ex -> {
            ex.sendResponseHeaders(200, big.length);
            ex.getResponseBody().write(big);
            ex.close();
        });
        origin.start();
        int dead;
        try (ServerSocket s = new ServerSocket(0)) {
            dead = s.getLocalPort();
        }
        try {
            Path file = tmp.resolve("big.bin");
            Run r = dfget("-u", "http://127.0.0.1:" + origin.getAddress().getPort() + "/big.bin", "-o", file.toString(),
                    "--standalone", "--supernodes", "127.0.0.1:" + dead, "--data-dir", small.toString(),
                    "--advertise-ip", "127.0.0.1", "--cluster-secret-file", secretFile.toString());
            assertEquals(1, r.exit(), r.err());
            assertTrue(r.err().contains("dfget: error: no space left in " + small + " (--data-dir)\n"), r.err());
            assertFalse(Files.exists(file));
            assertFalse(Files.exists(tmp.resolve("big.bin.dfly-tmp")));
            try (var left = Files.list(small.resolve("tasks"))) {
                assertEquals(0, left.count(), "nothing partial left in the data dir");
            }
        } finally {
            origin.stop(0);
            assertTrue(run("umount", small.toString()), "umount " + small);
        }
    }

    @Test
    void aDfdaemonThatStallsMidDownloadEndsInTheTimeoutLine() throws Exception {
        HttpServer stalling = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4);
        stalling.createContext("/_ping", ex -> {
            ex.getResponseHeaders().set(DaemonDownload.NODE_HEADER, DaemonDownload.DFDAEMON);
            reply(ex, 200, "text/plain", "OK");
        });
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        stalling.createContext("/api/v1/downloads", ex -> {
            ex.getRequestBody().readAllBytes();
            ex.sendResponseHeaders(200, 0); // chunked: one progress line, then nothing
            ex.getResponseBody().write("{\"completedBytes\":0,\"totalBytes\":10,\"done\":false}\n".getBytes(StandardCharsets.UTF_8));
            ex.getResponseBody().flush();
            try {
                release.await(30, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ex.close();
        });
        stalling.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        stalling.start();
        try {
            Path file = tmp.resolve("stalled.bin");
            long t0 = System.nanoTime();
            Run r = dfget("-u", "http://origin/f.bin", "-o", file.toString(), "--dfdaemon", "127.0.0.1:" + stalling.getAddress().getPort(),
                    "--cluster-secret-file", secretFile.toString(), "--timeout", "1s");
            assertEquals(1, r.exit(), r.err());
            assertEquals("dfget: error: timed out after 1s; raise --timeout or check the network", r.err().trim());
            assertTrue(System.nanoTime() - t0 < 10_000_000_000L, "ended by the timeout, not by the stalling daemon");
            assertFalse(Files.exists(file));
        } finally {
            release.countDown();
            stalling.stop(0);
        }
    }

    private static boolean run(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
            return p.waitFor(20, java.util.concurrent.TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
