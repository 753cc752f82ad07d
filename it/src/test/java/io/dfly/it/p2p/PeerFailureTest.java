package io.dfly.it.p2p;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dfly.core.config.HostPort;
import io.dfly.core.download.DownloadException;
import io.dfly.core.download.DownloadHandle;
import io.dfly.core.download.DownloadResult;
import io.dfly.engine.P2PEngine;
import io.dfly.it.harness.DflyNode;
import io.dfly.it.harness.FreePorts;
import io.dfly.it.harness.OriginServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;

import static io.dfly.it.p2p.EngineFixture.await;
import static io.dfly.it.p2p.EngineFixture.engine;
import static io.dfly.it.p2p.EngineFixture.request;
import static io.dfly.it.p2p.EngineFixture.sha256;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A peer killed mid-transfer, the supernode down, back-to-source disabled. */
class PeerFailureTest {
    private static final long MIB = 1L << 20;
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path tmp;
    private static OriginServer origin;

    @BeforeAll
    static void start() {
        origin = new OriginServer();
    }

    @AfterAll
    static void stop() {
        origin.close();
    }

    @Test
    void whenAPeerIsKilledMidTransferTheOthersFinish() throws Exception {
        long size = 120 * MIB;
        String url = origin.serveRandom("/files/kill.bin", tmp, size);
        String want = sha256(tmp.resolve("_files_kill.bin"));
        origin.throttle(40 * MIB);
        DflyNode supernode = DflyNode.supernode(Map.of());
        DflyNode victim = DflyNode.dfdaemon(Map.of("dfly.dfdaemon.supernodes", supernode.hostPort()));
        try (supernode; victim) {
            supernode.start();
            victim.start();
            List<HostPort> supernodes = List.of(EngineFixture.hostPort(supernode.hostPort()));
            try (P2PEngine b = engine(tmp.resolve("b"), "peer-b", supernodes);
                 P2PEngine c = engine(tmp.resolve("c"), "peer-c", supernodes)) {
                // the victim (a real dfdaemon) downloads through its API; watch its progress lines
                AtomicLong victimBytes = new AtomicLong();
                Thread watcher = new Thread(() -> follow(victim, url, victimBytes), "victim-download");
                watcher.setDaemon(true);
                watcher.start();
                waitFor(() -> victimBytes.get() >= 24 * MIB, "victim to hold some pieces");
                DownloadHandle hb = b.start(request(url, true));
                DownloadHandle hc = c.start(request(url, true));
                waitFor(() -> hb.progress().fromPeers() + hc.progress().fromPeers() > 0, "b or c to fetch from a peer");
                victim.kill(); // SIGKILL: no goodbye to the supernode
                DownloadResult rb = await(hb);
                DownloadResult rc = await(hc);
                assertEquals(want, sha256(rb.file()));
                assertEquals(want, sha256(rc.file()));
                assertFalse(rb.fellBack() || rc.fellBack(), "finished P2P without the victim");
                assertEquals(1, origin.getCount("/files/kill.bin"), "only the supernode went to the origin");
            }
        } finally {
            origin.throttle(0);
        }
    }

    private void follow(DflyNode dfdaemon, String url, AtomicLong bytes) {
        try {
            String body = JSON.writeValueAsString(Map.of("url", url));
            HttpResponse<InputStream> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                            URI.create(dfdaemon.baseUrl() + "/api/v1/downloads")).header("Content-Type", "application/json")
                    .header("Authorization", io.dfly.it.harness.TestSecrets.secret().hostTokens()
                            .authorization("victim-follower", "POST", "/api/v1/downloads"))
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofInputStream());
            try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    JsonNode n = JSON.readTree(line);
                    bytes.set(n.path("completedBytes").asLong());
                }
            }
        } catch (Exception ignored) {
            // the victim dies mid-stream: expected
        }
    }

    private static void waitFor(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(50);
        }
    }

    @Test
    void supernodeDownFallsBackToTheOriginWithOneWarnLine() throws Exception {
        long size = 8 * MIB;
        String url = origin.serveRandom("/files/fallback.bin", tmp, size);
        int dead = FreePorts.pick(); // nothing listens there: the supernode is down
        try (EngineFixture.WarnCapture warns = new EngineFixture.WarnCapture();
             P2PEngine e = engine(tmp.resolve("fallback"), "lonely", List.of(new HostPort("127.0.0.1", dead)))) {
            DownloadResult r = await(e.start(request(url, true)));
            assertEquals(sha256(tmp.resolve("_files_fallback.bin")), sha256(r.file()));
            assertTrue(r.fellBack());
            assertEquals(size, r.progress().fromOrigin());
            assertEquals(1, e.metrics().fallbacks());
            assertEquals(List.of("supernode 127.0.0.1:" + dead + " unreachable — check dfly.dfdaemon.supernodes"
                    + " / dfly.supernode.advertise-ip; downloading from origin"), warns.lines);
        }
    }

    @Test
    void supernodeDownWithoutBackToSourceFailsWithAClearError() throws Exception {
        String url = origin.serveRandom("/files/nofallback.bin", tmp, MIB);
        int dead = FreePorts.pick();
        try (P2PEngine e = engine(tmp.resolve("nofallback"), "strict", List.of(new HostPort("127.0.0.1", dead)))) {
            DownloadHandle h = e.start(request(url, false));
            ExecutionException ee = assertThrows(ExecutionException.class, () -> await(h));
            DownloadException de = assertInstanceOf(DownloadException.class, ee.getCause());
            assertEquals(DownloadException.Kind.NO_SOURCE, de.kind());
            assertEquals("supernode 127.0.0.1:" + dead + " unreachable (127.0.0.1:" + dead + ": connection refused);"
                    + " back-to-source is disabled — check dfly.dfdaemon.supernodes", de.getMessage());
            assertEquals(0, origin.getCount("/files/nofallback.bin"));
            try (var files = Files.list(e.store().root())) {
                assertEquals(0, files.count(), "nothing cached");
            }
        }
    }
}
