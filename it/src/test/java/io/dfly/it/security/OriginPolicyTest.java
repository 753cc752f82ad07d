package io.dfly.it.security;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dfly.core.security.ClusterSecret;
import io.dfly.it.harness.DflyNode;
import io.dfly.it.harness.Http;
import io.dfly.it.harness.TestSecrets;
import io.dfly.it.registry.Procs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Nothing a caller sends steers a daemon to an internal address: an "internal service" listens on
 * 127.0.0.2, which neither node lists (the tests list 127.0.0.1 only). Registration, a redirect from a
 * listed origin, a preheat, containerd's {@code ns=} and the dfget API each try to reach it; it must never
 * see a request.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OriginPolicyTest {
    static final ObjectMapper JSON = new ObjectMapper();
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    final ClusterSecret secret = TestSecrets.secret();
    RecordingServer internal;
    RecordingServer redirector;
    DflyNode supernode;
    DflyNode dfdaemon;

    @BeforeAll
    void setUp() {
        internal = new RecordingServer("127.0.0.2", null);
        redirector = new RecordingServer("127.0.0.1", internal.url("/file"));
        supernode = DflyNode.supernode(Map.of()).start();
        dfdaemon = DflyNode.dfdaemon(Map.of("dfly.dfdaemon.supernodes", supernode.hostPort(),
                "dfly.dfdaemon.registry", redirector.url(""))).start();
    }

    @AfterAll
    void tearDown() {
        Procs.closeAll(dfdaemon, supernode, redirector, internal);
    }

    @Test
    void registrationOfAnInternalUrlIsRefused() throws Exception {
        HttpResponse<String> r = register(internal.url("/file"));
        assertEquals(403, r.statusCode(), r.body());
        JsonNode e = JSON.readTree(r.body());
        assertEquals("origin_refused", e.path("error").asText(), r.body());
        assertTrue(e.path("message").asText().contains("dfly.supernode.allowed-origins"), r.body());
        assertTrue(internal.requests().isEmpty(), "the internal service saw " + internal.requests());
    }

    @Test
    void aRedirectToAnInternalAddressIsRefused() throws Exception {
        HttpResponse<String> r = register(redirector.url("/r"));
        assertEquals(403, r.statusCode(), r.body());
        assertTrue(r.body().contains("allowed-origins"), r.body());
        assertTrue(internal.requests().isEmpty(), "the internal service saw " + internal.requests());
    }

    @Test
    void aPreheatOfAnInternalUrlFails() throws Exception {
        HttpResponse<String> started = send("POST", supernode.baseUrl() + "/preheats",
                "{\"type\":\"file\",\"url\":\"" + internal.url("/preheat") + "\"}", TestSecrets.operatorAuthorization());
        String status = "";
        String error = "";
        if (started.statusCode() == 200) {
            String id = JSON.readTree(started.body()).path("ID").asText();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline) {
                JsonNode s = JSON.readTree(send("GET", supernode.baseUrl() + "/preheats/" + id, null,
                        TestSecrets.operatorAuthorization()).body());
                status = s.path("status").asText();
                error = s.path("errorMsg").asText();
                if (status.equals("FAIL") || status.equals("SUCCESS")) {
                    break;
                }
                Thread.sleep(200);
            }
            assertEquals("FAIL", status, error);
            assertTrue(error.contains("allowed-origins"), error);
        } else {
            assertEquals(403, started.statusCode(), started.body());
        }
        assertTrue(internal.requests().isEmpty(), "the internal service saw " + internal.requests());
    }

    /** Harbor 2.12+'s open API: the image's manifest is fetched when the job is asked for, under the same policy. */
    @Test
    void anOpenApiPreheatOfAnInternalImageFails() throws Exception {
        HttpResponse<String> started = send("POST", supernode.baseUrl() + "/oapi/v1/jobs",
                "{\"type\":\"preheat\",\"args\":{\"type\":\"image\",\"url\":\"" + internal.url("/v2/x/manifests/latest")
                        + "\",\"headers\":{\"Authorization\":\"Bearer harbor-pull-token\"},\"scope\":\"single_seed_peer\"}}",
                TestSecrets.operatorAuthorization());
        assertEquals(200, started.statusCode(), started.body());
        long id = JSON.readTree(started.body()).path("id").asLong();
        JsonNode job = JSON.readTree(send("GET", supernode.baseUrl() + "/oapi/v1/jobs/" + id, null,
                TestSecrets.operatorAuthorization()).body());
        assertEquals("FAILURE", job.path("state").asText(), job.toString());
        assertTrue(job.path("result").path("job_states").path(0).path("error").asText().contains("allowed-origins"), job.toString());
        assertTrue(!job.toString().contains("harbor-pull-token"), job.toString());
        assertTrue(internal.requests().isEmpty(), "the internal service saw " + internal.requests());
    }

    @Test
    void nsCannotPointTheMirrorAtAnInternalHost() throws Exception {
        HttpResponse<String> r = send("GET", dfdaemon.baseUrl() + "/v2/x/manifests/latest?ns=" + internal.hostPort(), null, null);
        assertEquals(403, r.statusCode(), r.body());
        assertTrue(r.body().contains("\"errors\"") && r.body().contains("dfly.dfdaemon.allowed-registries"), r.body());
        assertTrue(internal.requests().isEmpty(), "the internal service saw " + internal.requests());
    }

    @Test
    void theDownloadApiCannotFetchAnInternalUrl() throws Exception {
        String path = "/api/v1/downloads";
        HttpResponse<String> r = send("POST", dfdaemon.baseUrl() + path, "{\"url\":\"" + internal.url("/dfget") + "\"}",
                secret.hostTokens().authorization("dfget-test", "POST", path));
        // refused by the supernode, then by the dfdaemon's own origin check: an error, never the bytes
        assertTrue(r.statusCode() != 200 || r.body().contains("allowed-"), r.body());
        assertTrue(!r.body().contains("internal secret data"), r.body());
        assertTrue(internal.requests().isEmpty(), "the internal service saw " + internal.requests());
    }

    private HttpResponse<String> register(String url) throws Exception {
        String body = "{\"url\":\"" + url + "\",\"headers\":{},\"peerId\":\"probe\",\"peerUrl\":\"http://127.0.0.1:1\"}";
        return send("POST", supernode.baseUrl() + "/api/v1/tasks", body,
                secret.hostTokens().authorization("probe", "POST", "/api/v1/tasks"));
    }

    private HttpResponse<String> send(String method, String url, String body, String authorization) throws Exception {
        return Http.send(method, url, body, authorization);
    }
}
