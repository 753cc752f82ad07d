package io.dfly.it.harbor;

import com.fasterxml.jackson.databind.JsonNode;
import io.dfly.core.task.TaskIds;
import io.dfly.it.harness.DflyNode;
import io.dfly.it.harness.TestSecrets;
import io.dfly.it.registry.OciImage;
import io.dfly.it.registry.Procs;
import io.dfly.it.registry.RegistryServer;
import io.dfly.it.registry.Skopeo;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A real supernode driven as Harbor drives it, both protocols, against a real docker-registry with Bearer
 * token auth (the pull token in the job's headers, as Harbor sends its own): a real image is preheated into
 * the CDN, the tag is pushed again with another image and preheated again, and the new image's layers land
 * in the CDN too (the re-push bug: the old job was answered SUCCESS and nothing was fetched). An outsider
 * gets 401 on every operator endpoint of both protocols; {@code /healthy} and {@code /_ping} are open.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HarborPreheatTest {
    private static final Duration JOB_TIMEOUT = Duration.ofSeconds(60);
    private Path work;
    private RegistryServer registry;
    private DflyNode supernode;
    private HarborClient harbor;
    /** Harbor 2.11 with instance auth mode "Basic" (any user name, the token as password). */
    private HarborClient legacyHarbor;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    void setUp() throws Exception {
        assumeTrue(RegistryServer.available() && Skopeo.available(), "docker-registry and skopeo are not installed");
        work = Files.createTempDirectory("dfly-harbor-");
        registry = new RegistryServer(RegistryServer.Auth.TOKEN, work.resolve("registry")).tokenPath("/service/token").start();
        supernode = DflyNode.supernode(Map.of()).start();
        // Harbor's instance auth mode "OAuth": the token as Bearer (dfly's operator token is the PAT)
        harbor = new HarborClient(supernode.baseUrl(), TestSecrets.operatorAuthorization());
        legacyHarbor = new HarborClient(supernode.baseUrl(), "Basic " + Base64.getEncoder().encodeToString(
                ("harbor:" + TestSecrets.operatorToken()).getBytes(StandardCharsets.UTF_8)));
    }

    @AfterAll
    void tearDown() {
        Procs.closeAll(supernode, registry);
        if (work != null) {
            Procs.deleteTree(work);
        }
    }

    /** A pull token for {@code repo}, as Harbor puts one into every preheat request's headers. */
    private String pullToken(String repo) throws Exception {
        String url = registry.tokenServer().realm() + "?service=" + URLEncoder.encode(registry.tokenServer().service(),
                StandardCharsets.UTF_8) + "&scope=" + URLEncoder.encode("repository:" + repo + ":pull", StandardCharsets.UTF_8);
        String basic = Base64.getEncoder().encodeToString((RegistryServer.USER + ":" + RegistryServer.PASSWORD)
                .getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Basic " + basic)
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return "Bearer " + HarborClient.GO_JSON.readTree(r.body()).get("token").asText();
    }

    private OciImage push(String name, String repoTag) throws Exception {
        OciImage image = OciImage.build(work.resolve(name), "v", 3);
        registry.push(image, repoTag);
        return image;
    }

    private static List<OciImage.Blob> blobs(OciImage image) {
        List<OciImage.Blob> all = new ArrayList<>(image.layers());
        all.add(image.config());
        return all;
    }

    /** Each blob of the image is a SUCCESS task with a CDN copy, and left the origin once. */
    private void assertInCdn(OciImage image, String repo) throws Exception {
        for (OciImage.Blob b : blobs(image)) {
            String url = registry.url() + "/v2/" + repo + "/blobs/" + b.digest();
            String taskId = TaskIds.derive(url, b.digest(), null, List.of());
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(supernode.baseUrl() + "/api/v1/tasks/" + taskId))
                    .header("Authorization", TestSecrets.operatorAuthorization()).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), "task of " + url + ": " + r.body());
            JsonNode task = HarborClient.GO_JSON.readTree(r.body());
            assertEquals("SUCCESS", task.get("status").asText(), r.body());
            assertEquals(b.size(), task.get("contentLength").asLong(), r.body());
            assertFalse(task.get("seeds").isEmpty(), "a supernode member holds a CDN copy: " + r.body());
            assertEquals(1, registry.blobGets(repo, b.digest()), "the blob left the origin once: " + b.digest());
        }
    }

    private Set<String> successUrls(HarborClient.Job job) {
        Set<String> urls = new TreeSet<>();
        for (HarborClient.JobState s : job.result().jobStates()) {
            for (HarborClient.ClusterResult c : s.results()) {
                assertTrue(c.failureTasks() == null || c.failureTasks().isEmpty(), job.toString());
                c.successTasks().forEach(t -> urls.add(t.url()));
            }
        }
        return urls;
    }

    private Set<String> blobUrls(OciImage image, String repo) {
        Set<String> urls = new TreeSet<>();
        blobs(image).forEach(b -> urls.add(registry.url() + "/v2/" + repo + "/blobs/" + b.digest()));
        return urls;
    }

    /**
     * Both protocols at once, each as one Harbor preheat job polling every 10 s (Harbor runs jobs of several
     * policies concurrently; here it also keeps the test short).
     */
    @Test
    void bothProtocolsPreheatAnImageAndARePushedTagAgain() throws Exception {
        java.util.concurrent.ExecutorService two = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            java.util.concurrent.Future<?> v212 = two.submit(() -> {
                harbor212PreheatsAnImageAndARePushedTagAgain();
                return null;
            });
            java.util.concurrent.Future<?> v211 = two.submit(() -> {
                harbor211PreheatsAnImageAndARePushedTagAgain();
                return null;
            });
            for (java.util.concurrent.Future<?> f : List.of(v212, v211)) {
                try {
                    f.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    if (e.getCause() instanceof Error err) {
                        throw err;
                    }
                    throw (Exception) e.getCause();
                }
            }
        } finally {
            two.shutdownNow();
        }
    }

    private void harbor212PreheatsAnImageAndARePushedTagAgain() throws Exception {
        String repo = "library/app";
        HarborClient.Answer healthy = harbor.get("/healthy");
        assertEquals(200, healthy.status(), healthy.body());

        OciImage first = push("first", repo + ":latest");
        String manifestUrl = registry.url() + "/v2/" + repo + "/manifests/latest";
        String token = pullToken(repo);
        HarborClient.Job created = harbor.createJob(HarborClient.createJobBody(manifestUrl, token, "single_seed_peer", null));
        assertEquals("PENDING", created.state(), harbor.seen.toString());
        HarborClient.Job done = harbor.awaitJob(created.id(), JOB_TIMEOUT);
        assertEquals(created.id(), done.id());
        assertEquals(blobUrls(first, repo), successUrls(done), "Harbor's log lists every blob");
        assertInCdn(first, repo);

        // the tag is pushed again with another image; Harbor asks again (here with keys in other cases,
        // which Go's decoder, and so Dragonfly2, accepts)
        OciImage second = push("second", repo + ":latest");
        String mixed = HarborClient.createJobBody(manifestUrl, pullToken(repo), "all_peers", List.of(1))
                .replace("\"type\":\"preheat\"", "\"Type\":\"preheat\"").replace("\"args\"", "\"Args\"")
                .replace("\"url\"", "\"URL\"").replace("\"headers\"", "\"Headers\"").replace("\"scope\"", "\"Scope\"");
        HarborClient.Job again = harbor.createJob(mixed);
        assertNotEquals(created.id(), again.id(), "a re-pushed tag is a new job, not the old SUCCESS");
        HarborClient.Job doneAgain = harbor.awaitJob(again.id(), JOB_TIMEOUT);
        assertEquals(blobUrls(second, repo), successUrls(doneAgain));
        assertInCdn(second, repo);
        assertNotEquals(first.bigLayer().digest(), second.bigLayer().digest());

        assertFalse(supernode.log().contains(token.substring(7)), "the pull token is never logged");
        assertFalse(harbor.seen.stream().anyMatch(s -> s.contains(token.substring(7))), "nor shown in a job");
    }

    private void harbor211PreheatsAnImageAndARePushedTagAgain() throws Exception {
        String repo = "legacy/app";
        assertEquals(200, legacyHarbor.get("/_ping").status());
        OciImage first = push("legacy-first", repo + ":v1");
        String manifestUrl = registry.url() + "/v2/" + repo + "/manifests/v1";
        String id = legacyHarbor.preheat(HarborClient.preheatBody(manifestUrl, pullToken(repo), repo, "v1", first.manifestDigest()));
        legacyHarbor.awaitPreheat(id, JOB_TIMEOUT);
        assertInCdn(first, repo);

        OciImage second = push("legacy-second", repo + ":v1");
        String again = legacyHarbor.preheat(HarborClient.preheatBody(manifestUrl, pullToken(repo), repo, "v1", second.manifestDigest()));
        assertNotEquals(id, again, "a re-pushed tag is a new job");
        legacyHarbor.awaitPreheat(again, JOB_TIMEOUT);
        assertInCdn(second, repo);
    }

    @Test
    void outsidersGet401OnEveryOperatorEndpoint() throws Exception {
        String body = HarborClient.createJobBody(registry.url() + "/v2/x/y/manifests/z", "Bearer t", "single_seed_peer", null);
        String basicWrong = "Basic " + Base64.getEncoder().encodeToString("admin:wrong".getBytes(StandardCharsets.UTF_8));
        for (String auth : new String[]{null, "Bearer wrong-token", basicWrong}) {
            HarborClient outsider = new HarborClient(supernode.baseUrl(), auth);
            for (HarborClient.Answer a : List.of(outsider.post("/oapi/v1/jobs", body), outsider.get("/oapi/v1/jobs/1"),
                    outsider.post("/preheats", "{\"type\":\"image\",\"url\":\"http://x/v2/a/manifests/b\"}"),
                    outsider.get("/preheats/abc"))) {
                assertEquals(401, a.status(), auth + ": " + a.body());
                assertTrue(a.body().contains("\"error\""), a.body());
            }
            assertEquals(200, outsider.get("/healthy").status(), "/healthy is open, like /_ping");
            assertEquals(200, outsider.get("/_ping").status());
        }
        // with the token: a body over 64 KiB is 413 JSON; an unknown job is 404 JSON; a bad scope is 400
        HarborClient.Answer big = harbor.post("/oapi/v1/jobs", body.replace("\"tag\":\"\"", "\"tag\":\"" + "x".repeat(70_000) + "\""));
        assertEquals(413, big.status(), big.body());
        assertTrue(big.body().contains("too_large"), big.body());
        HarborClient.Answer missing = harbor.get("/oapi/v1/jobs/123");
        assertEquals(404, missing.status(), missing.body());
        assertTrue(missing.body().contains("\"error\""), missing.body());
        assertEquals(400, harbor.post("/oapi/v1/jobs", body.replace("single_seed_peer", "everyone")).status());
    }
}
