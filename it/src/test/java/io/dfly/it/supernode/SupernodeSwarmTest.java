package io.dfly.it.supernode;

import io.dfly.core.piece.Digests;
import io.dfly.core.task.TaskIds;
import io.dfly.it.harness.DflyNode;
import io.dfly.it.harness.TestSecrets;
import io.dfly.it.harness.OriginServer;
import io.dfly.it.registry.Procs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One real supernode (Payara Micro process), a real origin, peers driven from test code. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SupernodeSwarmTest {
    private static final long MIB = 1024 * 1024;
    private final HttpClient http = HttpClient.newHttpClient();
    private OriginServer origin;
    private DflyNode supernode;
    @TempDir
    Path tmp;

    @BeforeAll
    void start() {
        origin = new OriginServer();
        supernode = DflyNode.supernode(Map.of()).start();
    }

    @AfterAll
    void stop() {
        Procs.closeAll(supernode, origin);
    }

    @Test
    void twoPeersShareOneOriginFetchAndTheSecondGetsMostlyFromTheFirst() throws Exception {
        long size = 100 * MIB;
        String url = origin.serveRandom("/files/big.bin", tmp, size);
        Path source = tmp.resolve("_files_big.bin");
        try (TestPeer first = new TestPeer("peer-1", tmp.resolve("first.bin"));
             TestPeer second = new TestPeer("peer-2", tmp.resolve("second.bin"))) {
            List<String> sn = List.of(supernode.baseUrl());
            String taskId = first.download(sn, url + "?Signature=abc&Expires=1", Map.of("Authorization", "Bearer origin-secret"));
            String again = second.download(sn, url + "?Signature=other&Expires=2", Map.of("Authorization", "Bearer origin-secret"));

            assertEquals(taskId, again, "volatile query parameters must not change the task");
            assertEquals(1, origin.getCount("/files/big.bin"), "the origin serves the file exactly once");
            assertEquals(size, origin.bytesSent("/files/big.bin"));
            assertEquals(sha256(source), sha256(tmp.resolve("first.bin")));
            assertEquals(sha256(source), sha256(tmp.resolve("second.bin")));
            assertTrue(second.fromPeers.get() > size / 2,
                    "second peer got " + second.fromPeers.get() + " bytes from peers, " + second.fromSupernode.get() + " from the supernode");
            assertEquals(second.fromPeers.get(), first.uploaded.get());
            // the origin got the registering peer's header; the supernode never logged it
            assertTrue(origin.requests().stream().anyMatch(r -> "Bearer origin-secret".equals(
                    r.headers().getOrDefault("Authorization", List.of("")).get(0))));
            assertFalse(supernode.log().contains("origin-secret"), "credentials must never be logged");

            String task = get("/api/v1/tasks/" + taskId).body();
            assertTrue(task.contains("\"status\":\"SUCCESS\""), task);
            assertTrue(task.contains("\"completedPeers\":2"), task);
            assertFalse(task.contains("Signature"), "signed URL parts are not shown: " + task);
            String metrics = get("/metrics").body();
            // other tests share the supernode: its counters are at least what this test caused
            assertTrue(metric(metrics, "dfly_supernode_origin_bytes_total") >= size, metrics);
            assertTrue(metric(metrics, "dfly_supernode_peer_served_bytes_total") >= second.fromPeers.get(), metrics);
            assertTrue(metric(metrics, "dfly_supernode_served_bytes_total") >= first.fromSupernode.get(), metrics);
        }
    }

    @Test
    void pieceEndpointRefusesPathTricks() throws Exception {
        String valid = "a".repeat(64);
        assertEquals(400, get("/peer/tasks/..%2F..%2Fetc/pieces/0").statusCode());
        assertEquals(400, get("/peer/tasks/" + valid.toUpperCase() + "/pieces/0").statusCode());
        assertEquals(400, get("/peer/tasks/" + valid + "/pieces/..").statusCode());
        assertEquals(400, get("/peer/tasks/" + valid + "/pieces/-1").statusCode());
        // a well-formed request without a grant learns nothing, not even whether the piece exists
        assertEquals(403, get("/peer/tasks/" + valid + "/pieces/0").statusCode());
        HttpResponse<String> r = get("/peer/tasks/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd/pieces/0");
        assertTrue(r.statusCode() == 400 || r.statusCode() == 404, "status " + r.statusCode());
        assertFalse(r.body().contains("root:"));
    }

    @Test
    void registerMapsOriginErrorsAndRejectsBadInput() throws Exception {
        HttpResponse<String> notFound = post("/api/v1/tasks", register(origin.url("/files/missing.bin")));
        assertEquals(404, notFound.statusCode());
        assertTrue(notFound.body().contains("\"error\":\"origin_not_found\""), notFound.body());
        HttpResponse<String> unreachable = post("/api/v1/tasks", register("http://127.0.0.1:1/x.bin"));
        assertEquals(502, unreachable.statusCode());
        assertEquals(400, post("/api/v1/tasks", "{not json").statusCode());
        assertEquals(400, post("/api/v1/tasks", register("file:///etc/passwd")).statusCode());
        assertEquals(400, post("/api/v1/tasks/not-a-task/pull", "{\"peerId\":\"p\",\"have\":\"\",\"maxPieces\":4}", "p").statusCode());
        assertEquals(404, post("/api/v1/tasks/" + "b".repeat(64) + "/pull", "{\"peerId\":\"p\",\"have\":\"\",\"maxPieces\":4}", "p").statusCode());
        assertEquals(204, post("/api/v1/peers/some-peer/heartbeat", "", "some-peer").statusCode(), "a heartbeat has no body");
    }

    @Test
    void reportsRideOnAPullUnderTheReportsRule() throws Exception {
        String url = origin.serveRandom("/files/ride.bin", tmp, 5 * MIB);
        HttpResponse<String> reg = post("/api/v1/tasks", "{\"url\":\"" + url
                + "\",\"peerId\":\"p-ride\",\"peerUrl\":\"http://127.0.0.1:9\"}", "p-ride");
        assertEquals(200, reg.statusCode(), reg.body());
        String pull = "/api/v1/tasks/" + TestPeer.JSON.readTree(reg.body()).get("taskId").asText() + "/pull";
        com.fasterxml.jackson.databind.JsonNode answer = null;
        for (int i = 0; i < 50 && (answer == null || !answer.get("action").asText().equals("ASSIGNED")); i++) {
            answer = TestPeer.JSON.readTree(post(pull, "{\"peerId\":\"p-ride\",\"have\":\"\",\"maxPieces\":1}", "p-ride").body());
        }
        assertEquals("ASSIGNED", answer.get("action").asText(), answer.toString());
        com.fasterxml.jackson.databind.JsonNode a = answer.get("pieces").get(0);
        String mine = "{\"peerId\":\"p-ride\",\"pieceNum\":" + a.get("pieceNum").asInt() + ",\"sourcePeerId\":\""
                + a.get("sourcePeerId").asText() + "\",\"success\":true}";
        String forged = mine.replace("p-ride", "p-other");
        HttpResponse<String> refused = post(pull, "{\"peerId\":\"p-ride\",\"have\":\"\",\"maxPieces\":1,\"reports\":["
                + mine + "," + forged + "]}", "p-ride");
        assertEquals(400, refused.statusCode(), "a report naming another peer: " + refused.body());
        assertTrue(refused.body().contains("\"error\":\"bad_request\""), refused.body());
        String tooMany = String.join(",", java.util.Collections.nCopies(65, mine));
        assertEquals(400, post(pull, "{\"peerId\":\"p-ride\",\"have\":\"\",\"maxPieces\":1,\"reports\":[" + tooMany + "]}",
                "p-ride").statusCode());
        long ignoredBefore = metric(get("/metrics").body(), "dfly_supernode_reports_ignored_total");
        HttpResponse<String> ok = post(pull, "{\"peerId\":\"p-ride\",\"have\":\"\",\"maxPieces\":1,\"reports\":[" + mine + "]}",
                "p-ride");
        assertEquals(200, ok.statusCode(), ok.body());
        assertEquals(1, TestPeer.JSON.readTree(ok.body()).get("reportsRead").asInt(), ok.body());
        assertEquals(ignoredBefore, metric(get("/metrics").body(), "dfly_supernode_reports_ignored_total"), "a fact");
        post(pull, "{\"peerId\":\"p-ride\",\"have\":\"\",\"maxPieces\":0,\"reports\":[" + mine + "]}", "p-ride");
        assertEquals(ignoredBefore + 1, metric(get("/metrics").body(), "dfly_supernode_reports_ignored_total"),
                "the same report again ends no assignment: ignored, and counted");
    }

    @Test
    void preheatedFileIsDownloadedWithoutTouchingTheOrigin() throws Exception {
        String url = origin.serveRandom("/files/preheat.bin", tmp, 9 * MIB + 123);
        String body = "{\"type\":\"file\",\"url\":\"" + url + "\",\"headers\":{\"Authorization\":\"Bearer t\"}}";
        HttpResponse<String> started = post("/preheats", body);
        assertEquals(200, started.statusCode(), started.body());
        String id = TestPeer.JSON.readTree(started.body()).get("ID").asText();
        awaitPreheat(id);
        assertEquals(id, TestPeer.JSON.readTree(post("/preheats", body).body()).get("ID").asText(), "same content, same ID");
        long before = origin.bytesSent("/files/preheat.bin");
        assertEquals(9 * MIB + 123, before);
        try (TestPeer peer = new TestPeer("peer-pre", tmp.resolve("pre.bin"))) {
            peer.download(List.of(supernode.baseUrl()), url, Map.of());
        }
        assertEquals(before, origin.bytesSent("/files/preheat.bin"), "the download took nothing from the origin");
        assertEquals(1, origin.getCount("/files/preheat.bin"));
        assertEquals(sha256(tmp.resolve("_files_preheat.bin")), sha256(tmp.resolve("pre.bin")));
        assertEquals(200, get("/_ping").statusCode());
    }

    @Test
    void imagePreheatResolvesTheIndexAndFetchesConfigAndLayers() throws Exception {
        Path layer1 = tmp.resolve("layer1");
        Path layer2 = tmp.resolve("layer2");
        Path config = tmp.resolve("config");
        OriginServer.writeRandom(layer1, 3 * MIB);
        OriginServer.writeRandom(layer2, 5 * MIB + 7);
        Files.writeString(config, "{\"architecture\":\"amd64\",\"os\":\"linux\"}");
        String d1 = digest(layer1);
        String d2 = digest(layer2);
        String dc = digest(config);
        Path manifest = tmp.resolve("manifest");
        Files.writeString(manifest, "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + dc + "\",\"size\":40},"
                + "\"layers\":[{\"digest\":\"" + d1 + "\",\"size\":1},{\"digest\":\"" + d2 + "\",\"size\":1}]}");
        String dm = digest(manifest);
        Path index = tmp.resolve("index");
        Files.writeString(index, "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":["
                + "{\"digest\":\"sha256:" + "0".repeat(64) + "\",\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\"}},"
                + "{\"digest\":\"" + dm + "\",\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}}]}");
        origin.serve("/v2/team/app/manifests/1.0", index);
        origin.serve("/v2/team/app/manifests/" + dm, manifest);
        origin.serve("/v2/team/app/blobs/" + dc, config);
        origin.serve("/v2/team/app/blobs/" + d1, layer1);
        origin.serve("/v2/team/app/blobs/" + d2, layer2);

        HttpResponse<String> started = post("/preheats", "{\"type\":\"image\",\"url\":\"" + origin.url("/v2/team/app/manifests/1.0")
                + "\",\"headers\":{\"Authorization\":\"Bearer harbor-token\"}}");
        assertEquals(200, started.statusCode(), started.body());
        awaitPreheat(TestPeer.JSON.readTree(started.body()).get("ID").asText());
        for (String d : List.of(dc, d1, d2)) {
            String taskId = TaskIds.derive(origin.url("/v2/team/app/blobs/" + d), d, null, List.of());
            String task = get("/api/v1/tasks/" + taskId).body();
            assertTrue(task.contains("\"status\":\"SUCCESS\""), task);
        }
        assertEquals(0, origin.getCount("/v2/team/app/manifests/sha256:" + "0".repeat(64)), "other platforms are skipped");
        OriginServer.Request first = origin.requests().stream().filter(r -> r.path().equals("/v2/team/app/manifests/1.0"))
                .findFirst().orElseThrow();
        String accept = String.join(",", first.headers().getOrDefault("Accept", List.of()));
        assertTrue(accept.contains("application/vnd.oci.image.index.v1+json") && accept.contains("manifest.list.v2+json"), accept);
        assertFalse(supernode.log().contains("harbor-token"));
    }

    /** One metric of a {@code /metrics} text (the sum of its series), as a whole number. */
    static long metric(String text, String name) {
        Double v = io.dfly.it.harness.Http.parseMetrics(text).get(name);
        if (v == null) {
            throw new AssertionError("no metric " + name + " in\n" + text);
        }
        return Math.round(v);
    }

    private void awaitPreheat(String id) throws Exception {
        while (true) {
            String status = TestPeer.JSON.readTree(get("/preheats/" + id).body()).get("status").asText();
            if (status.equals("SUCCESS")) {
                return;
            }
            assertFalse(status.equals("FAIL"), get("/preheats/" + id).body());
            Thread.sleep(100);
        }
    }

    private String register(String url) {
        return "{\"url\":\"" + url + "\",\"peerId\":\"p-err\",\"peerUrl\":\"http://127.0.0.1:9\"}";
    }

    /** A GET; operator APIs (task listings, preheat status) with the operator token. */
    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(supernode.baseUrl() + path)).timeout(Duration.ofSeconds(60));
        if (path.startsWith("/api/v1/tasks") || path.startsWith("/preheats")) {
            b.header("Authorization", TestSecrets.operatorAuthorization());
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A POST of the peer API as the enrolled peer {@code p-err}, or of an operator API with the token. */
    private HttpResponse<String> post(String path, String json) throws IOException, InterruptedException {
        return post(path, json, "p-err");
    }

    private HttpResponse<String> post(String path, String json, String peerId) throws IOException, InterruptedException {
        URI uri = URI.create(supernode.baseUrl() + path);
        String auth = path.startsWith("/preheats") ? TestSecrets.operatorAuthorization()
                : TestSecrets.secret().hostTokens().authorization(peerId, "POST", uri.getRawPath());
        return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60)).header("Authorization", auth)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static String sha256(Path f) throws IOException {
        MessageDigest md = Digests.newSha256();
        try (InputStream in = Files.newInputStream(f)) {
            byte[] buf = new byte[1 << 20];
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
        }
        return Digests.format(md);
    }

    private static String digest(Path f) throws IOException {
        return sha256(f);
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
