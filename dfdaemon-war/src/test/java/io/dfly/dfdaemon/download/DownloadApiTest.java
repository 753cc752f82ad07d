package io.dfly.dfdaemon.download;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.dfly.core.config.HostPort;
import io.dfly.core.download.DownloadHandle;
import io.dfly.core.piece.Digests;
import io.dfly.core.security.ClusterSecret;
import io.dfly.core.security.OriginPolicy;
import io.dfly.engine.EngineConfig;
import io.dfly.engine.P2PEngine;
import io.dfly.engine.StoredTask;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DownloadApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ClusterSecret SECRET = ClusterSecret.of("download-api-test-secret-0123456789");
    @TempDir
    Path tmp;
    private HttpServer origin;
    private P2PEngine engine;
    private final byte[] content = new byte[300_000];
    private String url;
    private final java.util.concurrent.atomic.AtomicInteger originGets = new java.util.concurrent.atomic.AtomicInteger();
    private int deadSupernode;

    @BeforeEach
    void setUp() throws Exception {
        new Random(3).nextBytes(content);
        origin = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
        origin.createContext("/f.bin", ex -> {
            originGets.incrementAndGet();
            ex.sendResponseHeaders(200, content.length);
            ex.getResponseBody().write(content);
            ex.close();
        });
        origin.start();
        url = "http://127.0.0.1:" + origin.getAddress().getPort() + "/f.bin";
        try (ServerSocket s = new ServerSocket(0)) {
            deadSupernode = s.getLocalPort();
        }
        engine = engine("dd");
    }

    private P2PEngine engine(String peerId) {
        return new P2PEngine(EngineConfig.builder(tmp.resolve("cache")).peerId(peerId).clusterSecret(SECRET)
                .supernodes(List.of(new HostPort("127.0.0.1", deadSupernode))).advertiseIp("127.0.0.1").uploadPort(0)
                .origins(OriginPolicy.of("dfly.dfdaemon.allowed-registries", List.of("127.0.0.1"))).build());
    }

    @AfterEach
    void tearDown() {
        engine.close();
        origin.stop(0);
    }

    private static InputStream body(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void outsidersGet401() {
        DownloadApi api = new DownloadApi(SECRET.hostTokens());
        DownloadApi.ApiError none = assertThrows(DownloadApi.ApiError.class, () -> api.authorize(null, "POST", "/api/v1/downloads"));
        assertEquals(401, none.status());
        assertEquals("unauthorized", none.code());
        assertTrue(none.getMessage().contains("dfly.security.cluster-secret-file"), none.getMessage());
        String outsider = ClusterSecret.of("someone-elses-secret-000000000").hostTokens()
                .authorization("dfget-eve", "POST", "/api/v1/downloads");
        assertEquals(401, assertThrows(DownloadApi.ApiError.class,
                () -> api.authorize(outsider, "POST", "/api/v1/downloads")).status());
        String forGet = SECRET.hostTokens().authorization("dfget-bob", "GET", "/api/v1/downloads");
        assertEquals(401, assertThrows(DownloadApi.ApiError.class,
                () -> api.authorize(forGet, "POST", "/api/v1/downloads")).status(), "a token is for one method and path");
        assertEquals(401, assertThrows(DownloadApi.ApiError.class,
                () -> api.authorize("Bearer x", "POST", "/api/v1/downloads")).status());
    }

    @Test
    void anEnrolledCallerIsKnownByItsPeerId() throws Exception {
        DownloadApi api = new DownloadApi(SECRET.hostTokens());
        String t = SECRET.hostTokens().authorization("dfget-bob", "POST", "/api/v1/downloads");
        assertEquals("dfget-bob", api.authorize(t, "POST", "/api/v1/downloads"));
    }

    @Test
    void anOutputPathIsRefused() {
        DownloadApi.ApiError e = assertThrows(DownloadApi.ApiError.class,
                () -> DownloadApi.parse(body("{\"url\":\"http://h/x\",\"output\":\"/etc/cron.d/x\"}")));
        assertEquals(400, e.status());
        assertEquals("bad_request", e.code());
        assertEquals("'output' is not accepted: dfget writes the file itself", e.getMessage());
        assertEquals("{\"error\":\"bad_request\",\"message\":\"'output' is not accepted: dfget writes the file itself\"}",
                new String(e.body(), StandardCharsets.UTF_8));
        assertEquals(400, assertThrows(DownloadApi.ApiError.class,
                () -> DownloadApi.parse(body("{\"url\":\"http://h/x\",\"output\":null}"))).status());
    }

    @Test
    void badBodies() {
        assertEquals(413, assertThrows(DownloadApi.ApiError.class,
                () -> DownloadApi.parse(body("{\"url\":\"" + "x".repeat(DownloadApi.MAX_BODY) + "\"}"))).status());
        assertEquals("missing 'url'", assertThrows(DownloadApi.ApiError.class, () -> DownloadApi.parse(body("{}"))).getMessage());
        assertEquals(400, assertThrows(DownloadApi.ApiError.class, () -> DownloadApi.parse(body("[1]"))).status());
        assertEquals(400, assertThrows(DownloadApi.ApiError.class, () -> DownloadApi.parse(body("not json"))).status());
    }

    @Test
    void anOriginTheDaemonMayNotFetchIs403() throws Exception {
        DownloadApi.Request r = DownloadApi.parse(body("{\"url\":\"http://169.254.169.254/latest/meta-data/\"}"));
        DownloadApi.ApiError e = assertThrows(DownloadApi.ApiError.class, () -> DownloadApi.start(engine, r, true));
        assertEquals(403, e.status());
        assertTrue(e.getMessage().contains("dfly.dfdaemon.allowed-registries"), e.getMessage());
    }

    @Test
    void progressEndsWithTheTaskAndTheFileComesBackVerified() throws Exception {
        DownloadApi.Request r = DownloadApi.parse(body("{\"url\":\"" + url + "\",\"headers\":{\"Authorization\":\"Bearer t\"}}"));
        DownloadHandle h = DownloadApi.start(engine, r, true);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        DownloadApi.progress(h, out);
        String[] lines = out.toString(StandardCharsets.UTF_8).trim().split("\n");
        JsonNode last = JSON.readTree(lines[lines.length - 1]);
        assertTrue(last.get("done").asBoolean());
        assertTrue(last.get("error").isNull(), last.toString());
        assertEquals(Digests.sha256(content), last.get("digest").asText());
        assertEquals(content.length, last.get("contentLength").asLong());
        String taskId = last.get("taskId").asText();
        StoredTask t = DownloadApi.completed(engine.store(), taskId);
        try (InputStream in = DownloadApi.open(t).orElseThrow()) {
            assertArrayEquals(content, in.readAllBytes());
        }
        assertEquals(Digests.sha256(content), t.fileDigest());
        assertFalse(Files.exists(tmp.resolve("f.bin")));
    }

    private static JsonNode lastLine(ByteArrayOutputStream out) throws Exception {
        String[] lines = out.toString(StandardCharsets.UTF_8).trim().split("\n");
        return JSON.readTree(lines[lines.length - 1]);
    }

    @Test
    void aRestartedDaemonServesWhatItCompletedToItsClientsWithoutTheOrigin() throws Exception {
        DownloadApi.Request r = DownloadApi.parse(body("{\"url\":\"" + url + "\"}"));
        ByteArrayOutputStream first = new ByteArrayOutputStream();
        DownloadApi.progress(DownloadApi.start(engine, r, true), first);
        String taskId = lastLine(first).get("taskId").asText();
        engine.close();
        assertEquals(1, originGets.get());

        engine = engine("dd-restarted"); // same data dir, a new process
        StoredTask t = DownloadApi.completed(engine.store(), taskId);
        try (InputStream in = DownloadApi.open(t).orElseThrow()) {
            assertArrayEquals(content, in.readAllBytes());
        }
        ByteArrayOutputStream again = new ByteArrayOutputStream();
        DownloadApi.progress(DownloadApi.start(engine, r, true), again);
        JsonNode last = lastLine(again);
        assertTrue(last.get("error").isNull(), last.toString());
        assertEquals(taskId, last.get("taskId").asText());
        assertEquals(Digests.sha256(content), last.get("digest").asText());
        assertEquals(1, originGets.get(), "served from the cache, not fetched again");
    }

    @Test
    void aFailedDownloadEndsWithItsErrorAndNoTask() throws Exception {
        DownloadApi.Request r = DownloadApi.parse(body("{\"url\":\"http://127.0.0.1:" + origin.getAddress().getPort()
                + "/missing?X-Amz-Signature=topsecret\"}"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        DownloadApi.progress(DownloadApi.start(engine, r, true), out);
        String text = out.toString(StandardCharsets.UTF_8).trim();
        JsonNode last = JSON.readTree(text.substring(text.lastIndexOf('\n') + 1));
        assertTrue(last.get("done").asBoolean());
        assertTrue(last.get("error").asText().contains("HTTP 404"), last.toString());
        assertFalse(last.has("taskId"));
        assertFalse(text.contains("topsecret"), text);
    }

    @Test
    void aTaskNotCompleteHereIs404() {
        assertEquals(404, assertThrows(DownloadApi.ApiError.class,
                () -> DownloadApi.completed(engine.store(), "c".repeat(64))).status());
        assertEquals(400, assertThrows(DownloadApi.ApiError.class,
                () -> DownloadApi.completed(engine.store(), "../etc")).status());
    }

    @Test
    void theRequestNeverShowsHeaders() throws Exception {
        DownloadApi.Request r = DownloadApi.parse(body("{\"url\":\"http://h/x?sig=1\",\"headers\":{\"Authorization\":\"Bearer s3cr3t\"}}"));
        assertFalse(r.toString().contains("s3cr3t") || r.toString().contains("sig=1"), r.toString());
        assertEquals(Map.of("Authorization", "Bearer s3cr3t"), r.headers());
    }
}
