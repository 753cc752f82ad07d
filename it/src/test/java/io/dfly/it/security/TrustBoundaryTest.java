package io.dfly.it.security;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hazelcast.client.HazelcastClient;
import com.hazelcast.client.config.ClientConfig;
import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import io.dfly.core.protocol.PieceHeaders;
import io.dfly.core.security.ClusterSecret;
import io.dfly.core.security.HostTokens;
import io.dfly.core.security.PieceGrants;
import io.dfly.core.task.TaskIds;
import io.dfly.it.harness.DflyNode;
import io.dfly.it.harness.Http;
import io.dfly.it.harness.TestSecrets;
import io.dfly.it.registry.OciImage;
import io.dfly.it.registry.Procs;
import io.dfly.it.registry.RegistryServer;
import io.dfly.it.registry.Skopeo;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Issue 10's attacks, tried against real processes as an outsider on the same network would (loopback
 * only): a registry with Bearer-token auth holding a private image, a supernode, a dfdaemon, and a lying
 * "registry" of the attacker's. A victim pulls the private image with skopeo through the dfdaemon; each
 * attack must then fail with the status docs/SECURITY.md names, and the victim's pull must still work.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TrustBoundaryTest {
    static final String PRIVATE = "test/private";
    static final ObjectMapper JSON = new ObjectMapper();
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    Path work;
    RegistryServer registry;
    OciImage image;
    DflyNode supernode;
    DflyNode dfdaemon;
    LyingRegistry liar;
    final ClusterSecret secret = TestSecrets.secret();
    final ClusterSecret foreign = ClusterSecret.of("not-this-clusters-secret-0123456789");

    @BeforeAll
    void setUp() throws Exception {
        assumeTrue(RegistryServer.available() && Skopeo.available(), "docker-registry and skopeo are not installed");
        work = Files.createTempDirectory("dfly-trust-");
        registry = new RegistryServer(RegistryServer.Auth.TOKEN, work.resolve("registry")).start();
        image = OciImage.build(work.resolve("oci"), "v1", 12);
        registry.push(image, PRIVATE + ":v1");
        liar = new LyingRegistry(image.bigLayer().size());
        supernode = DflyNode.supernode(Map.of()).start();
        dfdaemon = DflyNode.dfdaemon(Map.of("dfly.dfdaemon.supernodes", supernode.hostPort(),
                "dfly.dfdaemon.registry", registry.url(), "dfly.dfdaemon.p2p-min-size", "1M")).start();
    }

    @AfterAll
    void tearDown() {
        Procs.closeAll(dfdaemon, supernode, registry, liar);
        Procs.deleteTree(work);
    }

    // ---------------------------------------------------------------- enrolment

    @Test
    @Order(1)
    void outsidersCannotUseTheSupernodesPeerApi() throws Exception {
        String body = """
                {"url":"%s/v2/x/blobs/%s","headers":{},"digest":"%s","peerId":"intruder","peerUrl":"http://127.0.0.1:1"}"""
                .formatted(liar.url(), image.bigLayer().digest(), image.bigLayer().digest());
        for (String auth : new String[]{null, "Bearer whatever",
                foreign.hostTokens().authorization("intruder", "POST", "/api/v1/tasks"),
                secret.hostTokens().authorization("intruder", "POST", "/api/v1/tasks/other")}) {
            HttpResponse<String> r = send("POST", supernode.baseUrl() + "/api/v1/tasks", body, auth);
            assertEquals(401, r.statusCode(), "auth " + auth + ": " + r.body());
            assertEquals("unauthorized", JSON.readTree(r.body()).path("error").asText(), r.body());
        }
        String task = "ab".repeat(32);
        assertEquals(401, send("POST", supernode.baseUrl() + "/api/v1/tasks/" + task + "/pull",
                "{\"peerId\":\"intruder\",\"have\":\"\",\"maxPieces\":4}", null).statusCode());
        assertEquals(401, send("POST", supernode.baseUrl() + "/api/v1/tasks/" + task + "/reports",
                "{\"peerId\":\"intruder\",\"pieceNum\":0,\"sourcePeerId\":\"x\",\"success\":false}", null).statusCode());
        assertEquals(401, send("POST", supernode.baseUrl() + "/api/v1/peers/intruder/heartbeat", "", null).statusCode());
        assertEquals(401, send("DELETE", supernode.baseUrl() + "/api/v1/tasks/" + task + "/peers/intruder", null, null).statusCode());
        assertTrue(liar.seen().isEmpty(), "nothing was fetched for an outsider: " + liar.seen());
        assertFalse(operatorTasks().contains(liar.hostPort()), "nothing was registered");
    }

    @Test
    @Order(2)
    void anEnrolledPeerCannotSpeakForAnotherPeer() throws Exception {
        String body = """
                {"url":"%s/v2/x/blobs/%s","headers":{},"digest":"%s","peerId":"victim-peer","peerUrl":"http://127.0.0.1:1"}"""
                .formatted(liar.url(), image.bigLayer().digest(), image.bigLayer().digest());
        HttpResponse<String> r = send("POST", supernode.baseUrl() + "/api/v1/tasks", body,
                secret.hostTokens().authorization("other-peer", "POST", "/api/v1/tasks"));
        assertEquals(403, r.statusCode(), r.body());
        assertTrue(liar.seen().isEmpty());
    }

    // ---------------------------------------------------------------- the victim's pull, and credentials

    @Test
    @Order(3)
    void aRegistrantCannotCaptureTheVictimsCredentials() throws Exception {
        // an enrolled peer registers the private layer's digest first, with a URL of its own
        OciImage.Blob big = image.bigLayer();
        String trap = liar.url() + "/v2/" + PRIVATE + "/blobs/" + big.digest();
        HttpResponse<String> first = send("POST", supernode.baseUrl() + "/api/v1/tasks", """
                {"url":"%s","headers":{},"digest":"%s","peerId":"trapper","peerUrl":"http://127.0.0.1:1"}"""
                .formatted(trap, big.digest()), secret.hostTokens().authorization("trapper", "POST", "/api/v1/tasks"));
        assertTrue(first.statusCode() == 200 || first.statusCode() >= 500, first.statusCode() + " " + first.body());

        // the victim logs in and pulls the private image through its dfdaemon
        Path out = work.resolve("victim");
        Skopeo.copy(null, "docker://" + dfdaemon.hostPort() + "/" + PRIVATE + ":v1", out,
                "--src-creds=" + RegistryServer.USER + ":" + RegistryServer.PASSWORD).ok("the victim's pull");
        assertEquals(image.manifestDigest(), Skopeo.manifestDigest(out));
        assertEquals(1, registry.blobGets(PRIVATE, big.digest()), "the big layer left the registry once, to dfly");
        assertTrue(liar.withCredentials().isEmpty(), "no credentials reached the trap: " + liar.withCredentials());
    }

    @Test
    @Order(4)
    void anonymousClientsOfThePrivateRepoGetTheRegistrysOwn401() throws Exception {
        HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(dfdaemon.baseUrl() + "/v2/" + PRIVATE
                + "/blobs/" + image.bigLayer().digest())).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(401, r.statusCode());
        assertTrue(r.headers().firstValue("www-authenticate").orElse("").startsWith("Bearer realm="), r.headers().map().toString());
        assertTrue(r.body().length < 1000, "no blob bytes");
    }

    @Test
    @Order(5)
    void aBlobIsNeverServedOnAnotherRegistrysWord() throws Exception {
        OciImage.Blob big = image.bigLayer();
        byte[] real = Files.readAllBytes(image.blobFile(big));
        String path = dfdaemon.baseUrl() + "/v2/" + PRIVATE + "/blobs/" + big.digest();
        // ns= names a "registry" that says yes to every HEAD: the cached private layer must not come out
        byte[] got;
        try (InputStream in = http.send(HttpRequest.newBuilder(URI.create(path + "?ns=" + liar.hostPort())).build(),
                HttpResponse.BodyHandlers.ofInputStream()).body()) {
            got = in.readNBytes(real.length);
        } catch (IOException e) {
            got = new byte[0]; // cut off: the bytes did not match the digest
        }
        int n = Math.min(got.length, 64 * 1024);
        assertFalse(n > 0 && Arrays.equals(Arrays.copyOf(got, n), Arrays.copyOf(real, n)), "not one byte of the private layer");
        assertTrue(liar.withCredentials().isEmpty());
        // ns= is a registry host, nothing else
        for (String bad : new String[]{"http://" + liar.hostPort(), liar.hostPort() + "/v2", "user@" + liar.hostPort(),
                liar.hostPort() + "?x=1", "a b"}) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(path + "?ns="
                    + java.net.URLEncoder.encode(bad, java.nio.charset.StandardCharsets.UTF_8))).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(400, r.statusCode(), bad + ": " + r.body());
            assertTrue(r.body().contains("\"errors\""), r.body());
        }
    }

    // ---------------------------------------------------------------- pieces

    @Test
    @Order(6)
    void piecesGoOnlyToDownloadersTheSupernodeAssigned() throws Exception {
        OciImage.Blob big = image.bigLayer();
        String taskId = TaskIds.derive(registry.url() + "/v2/" + PRIVATE + "/blobs/" + big.digest(), big.digest(), null,
                TaskIds.DEFAULT_VOLATILE_PARAMS);
        String piece = PieceHeaders.piecePath(taskId, 0);
        PieceGrants grants = secret.pieceGrants();
        for (String server : new String[]{dfdaemon.uploadUrl(), supernode.baseUrl()}) {
            String me = "prober";
            String token = secret.hostTokens().authorization(me, "GET", piece);
            assertForbidden(server + piece, Map.of(), "no token, no grant");
            assertForbidden(server + piece, Map.of(HostTokens.HEADER, token), "no grant");
            assertForbidden(server + piece, Map.of(HostTokens.HEADER, token,
                    PieceGrants.HEADER, foreign.pieceGrants().mint(taskId, 0, me)), "forged grant");
            assertForbidden(server + piece, Map.of(HostTokens.HEADER, token,
                    PieceGrants.HEADER, grants.mint(taskId, 0, "someone-else")), "another peer's grant");
            assertForbidden(server + piece, Map.of(HostTokens.HEADER, token,
                    PieceGrants.HEADER, grants.mint(taskId, 1, me)), "another piece's grant");
            assertForbidden(server + piece, Map.of(HostTokens.HEADER, foreign.hostTokens().authorization(me, "GET", piece),
                    PieceGrants.HEADER, grants.mint(taskId, 0, me)), "a stranger's token");
            // the same request with a grant the cluster really issued is served: the checks are the reason
            HttpResponse<byte[]> ok = get(server + piece, Map.of(HostTokens.HEADER, token,
                    PieceGrants.HEADER, grants.mint(taskId, 0, me)));
            assertEquals(200, ok.statusCode(), server);
            assertTrue(ok.body().length > 0);
        }
    }

    private void assertForbidden(String url, Map<String, String> headers, String what) throws Exception {
        HttpResponse<byte[]> r = get(url, headers);
        assertEquals(403, r.statusCode(), what + " at " + url + ": " + new String(r.body()));
        assertTrue(r.body().length < 1000, what + ": no piece bytes");
        assertEquals("forbidden", JSON.readTree(r.body()).path("error").asText(), what);
    }

    // ---------------------------------------------------------------- the dfget API

    @Test
    @Order(7)
    void theDownloadApiWritesNoPathItIsGivenAndServesOnlyEnrolledHosts() throws Exception {
        Path target = work.resolve("written-by-the-daemon");
        String body = "{\"url\":\"" + liar.url() + "/payload\",\"output\":\"" + target + "\"}";
        String path = "/api/v1/downloads";
        HttpResponse<String> withOutput = send("POST", dfdaemon.baseUrl() + path, body,
                secret.hostTokens().authorization("dfget-test", "POST", path));
        assertEquals(400, withOutput.statusCode(), withOutput.body());
        assertTrue(withOutput.body().contains("output"), withOutput.body());
        String noOutput = "{\"url\":\"" + liar.url() + "/payload\"}";
        assertEquals(401, send("POST", dfdaemon.baseUrl() + path, noOutput, null).statusCode());
        assertEquals(401, send("POST", dfdaemon.baseUrl() + path, noOutput,
                foreign.hostTokens().authorization("dfget-test", "POST", path)).statusCode());
        Thread.sleep(500);
        assertFalse(Files.exists(target), "the daemon wrote nothing");
        assertTrue(liar.seen().stream().noneMatch(s -> s.path().equals("/payload")), "nothing was fetched");
    }

    // ---------------------------------------------------------------- operator APIs

    @Test
    @Order(8)
    void operatorApisNeedTheTokenAndListNoSecrets() throws Exception {
        for (String p : new String[]{"/api/v1/tasks", "/preheats/x"}) {
            HttpResponse<String> r = send("GET", supernode.baseUrl() + p, null, null);
            assertEquals(401, r.statusCode(), p);
            assertTrue(r.headers().firstValue("www-authenticate").orElse("").startsWith("Basic"), p);
        }
        HttpResponse<String> preheat = send("POST", supernode.baseUrl() + "/preheats",
                "{\"type\":\"file\",\"url\":\"" + liar.url() + "/preheat-me\"}", "Bearer wrong-token-0123456789");
        assertEquals(401, preheat.statusCode());
        assertEquals(200, send("GET", supernode.baseUrl() + "/_ping", null, null).statusCode(), "Harbor's health check stays open");
        String basic = "Basic " + Base64.getEncoder().encodeToString(("harbor:" + TestSecrets.operatorToken()).getBytes());
        HttpResponse<String> list = send("GET", supernode.baseUrl() + "/api/v1/tasks", null, basic);
        assertEquals(200, list.statusCode(), list.body());
        JsonNode tasks = JSON.readTree(list.body());
        assertTrue(tasks.size() > 0);
        for (JsonNode t : tasks) {
            assertFalse(t.path("url").asText().contains("?"), "no query strings in listings: " + t);
        }
        assertNoSecrets(list.body(), "the task listing");
        assertTrue(liar.seen().stream().noneMatch(s -> s.path().equals("/preheat-me")));
    }

    // ---------------------------------------------------------------- Hazelcast

    @Test
    @Order(9)
    void theClusterPortServesNoClientsAndNoStrangers() throws Exception {
        String member = "127.0.0.1:" + supernode.property("dfly.supernode.cluster.port");
        ClientConfig cc = new ClientConfig();
        cc.setClusterName("dfly");
        cc.getNetworkConfig().addAddress(member);
        cc.getConnectionStrategyConfig().getConnectionRetryConfig().setClusterConnectTimeoutMillis(4000);
        cc.setProperty("hazelcast.logging.type", "none");
        assertThrows(IllegalStateException.class, () -> HazelcastClient.newHazelcastClient(cc).shutdown(),
                "a Hazelcast client must not connect to the cluster port");

        Config stranger = new Config();
        stranger.setClusterName("dfly");
        stranger.setProperty("hazelcast.logging.type", "none");
        stranger.setProperty("hazelcast.wait.seconds.before.join", "0");
        stranger.setProperty("hazelcast.phone.home.enabled", "false");
        stranger.getNetworkConfig().setPort(io.dfly.it.harness.FreePorts.pick()).setPortAutoIncrement(false);
        stranger.getNetworkConfig().getJoin().getMulticastConfig().setEnabled(false);
        stranger.getNetworkConfig().getJoin().getAutoDetectionConfig().setEnabled(false);
        stranger.getNetworkConfig().getJoin().getTcpIpConfig().setEnabled(true).setConnectionTimeoutSeconds(2).addMember(member);
        stranger.setProperty("hazelcast.local.localAddress", "127.0.0.1");
        stranger.setProperty("hazelcast.max.join.seconds", "5");
        try {
            HazelcastInstance hz = Hazelcast.newHazelcastInstance(stranger);
            try {
                assertEquals(1, hz.getCluster().getMembers().size(), "a member without the secret joined");
            } finally {
                hz.shutdown();
            }
        } catch (IllegalStateException refused) {
            // refused at connect time (no proof of the secret): as good
        }
        assertTrue(supernode.log().contains("refused a member connection from 127.0.0.1"),
                "the supernode refused the stranger's connection and said so");
        // and the member port listens on the cluster interface only (advertise-ip 127.0.0.1 here)
        String listen = listeningAddress(Integer.parseInt(supernode.property("dfly.supernode.cluster.port")));
        assertEquals("127.0.0.1", listen, "Hazelcast is bound to dfly.supernode.cluster.interface");
    }

    /** The local address of the TCP listener on {@code port}, from /proc/net/tcp (IPv4) or tcp6. */
    static String listeningAddress(int port) throws IOException {
        String hexPort = String.format(":%04X", port);
        for (String table : new String[]{"/proc/net/tcp", "/proc/net/tcp6"}) {
            for (String line : Files.readAllLines(Path.of(table))) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 3 && f[1].endsWith(hexPort) && f[3].equals("0A")) {
                    String hex = f[1].substring(0, f[1].indexOf(':'));
                    if (hex.length() == 32 && hex.startsWith("0000000000000000FFFF0000")) {
                        hex = hex.substring(24); // an IPv4-mapped IPv6 socket: ::ffff:a.b.c.d
                    }
                    if (hex.length() == 8) {
                        int a = (int) Long.parseLong(hex, 16);
                        return (a & 0xff) + "." + ((a >> 8) & 0xff) + "." + ((a >> 16) & 0xff) + "." + ((a >> 24) & 0xff);
                    }
                    return hex.equals("00000000000000000000000000000000") ? "::" : hex;
                }
            }
        }
        return "(not listening)";
    }

    // ---------------------------------------------------------------- no secret anywhere

    @Test
    @Order(10)
    void noCredentialReachesALog() {
        for (DflyNode n : List.of(supernode, dfdaemon)) {
            assertNoSecrets(n.log(), n.logFile().toString());
        }
    }

    private void assertNoSecrets(String text, String where) {
        String basic = Base64.getEncoder().encodeToString((RegistryServer.USER + ":" + RegistryServer.PASSWORD).getBytes());
        assertFalse(text.contains(RegistryServer.PASSWORD), "password in " + where);
        assertFalse(text.contains(basic), "Basic credentials in " + where);
        assertFalse(text.contains("eyJ"), "a JWT (registry token) in " + where);
        assertFalse(text.contains(TestSecrets.operatorToken()), "the operator token in " + where);
        assertFalse(text.contains("Dfly-Host v1."), "a host token in " + where);
    }

    // ---------------------------------------------------------------- helpers

    private String operatorTasks() throws Exception {
        HttpResponse<String> r = send("GET", supernode.baseUrl() + "/api/v1/tasks", null, TestSecrets.operatorAuthorization());
        assertEquals(200, r.statusCode(), r.body());
        return r.body();
    }

    private HttpResponse<String> send(String method, String url, String body, String authorization) throws Exception {
        return Http.send(method, url, body, authorization);
    }

    private HttpResponse<byte[]> get(String url, Map<String, String> headers) throws Exception {
        return Http.get(url, headers);
    }
}
