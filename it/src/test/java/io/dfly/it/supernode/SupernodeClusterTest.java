package io.dfly.it.supernode;

import io.dfly.it.harness.DflyNode;
import io.dfly.it.harness.FreePorts;
import io.dfly.it.harness.OriginServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Two supernode members on loopback: state is shared, and a survivor finishes a dead member's origin fetch. */
class SupernodeClusterTest {
    private static final long MIB = 1024 * 1024;
    private final HttpClient http = HttpClient.newHttpClient();
    @TempDir
    Path tmp;

    @Test
    void anyMemberAnswersAndASurvivorFinishesTheDownload() throws Exception {
        int portA = FreePorts.pick();
        int portB = FreePorts.pick();
        long size = 40 * MIB + 12345;
        try (OriginServer origin = new OriginServer();
             DflyNode a = DflyNode.supernode(Map.of("dfly.supernode.cluster.port", String.valueOf(portA),
                     "dfly.supernode.cluster.name", "it-cluster")).start();
             DflyNode b = DflyNode.supernode(Map.of("dfly.supernode.cluster.port", String.valueOf(portB),
                     "dfly.supernode.cluster.name", "it-cluster",
                     "dfly.supernode.cluster.members", "127.0.0.1:" + portA,
                     // B also collects garbage quickly, so the test can watch the TTL policy evict the finished task
                     "dfly.supernode.gc.interval", "1s",
                     // only the TTL policy: the default watermark policy would evict at once on a host disk above 80%
                     "dfly.supernode.gc.policies", "ttl",
                     "dfly.plugin.ttl.max-idle", "8s")).start();
             TestPeer peer = new TestPeer("cluster-peer", tmp.resolve("out.bin"))) {
            String url = origin.serveRandom("/files/slow.bin", tmp, size);
            origin.throttle(6 * MIB); // slow enough to stop member A mid-download

            CompletableFuture<String> download = CompletableFuture.supplyAsync(() -> {
                try {
                    return peer.download(List.of(a.baseUrl(), b.baseUrl()), url, Map.of("Authorization", "Bearer x"));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            // register went to A; B answers about the same task from the shared state
            String taskId = null;
            while (taskId == null) {
                String list = get(b.baseUrl() + "/api/v1/tasks").body();
                var tasks = TestPeer.JSON.readTree(list);
                for (var t : tasks) {
                    if (t.get("seededPieces").asInt() >= 2 && t.get("status").asText().equals("RUNNING")) {
                        taskId = t.get("taskId").asText();
                        assertEquals(size, t.get("contentLength").asLong());
                        assertTrue(t.get("seeds").toString().contains("127.0.0.1:" + a.port()), t.toString());
                    }
                }
                Thread.sleep(100);
            }
            a.stop(); // mid-download: B must take over the origin fetch

            String got = download.get(5, TimeUnit.MINUTES); // a safety net against hanging, not a speed assertion
            assertEquals(taskId, got);
            assertEquals(SupernodeSwarmTest.sha256(tmp.resolve("_files_slow.bin")), SupernodeSwarmTest.sha256(tmp.resolve("out.bin")));
            assertTrue(origin.requests().stream().anyMatch(r -> r.path().equals("/files/slow.bin") && r.range() != null),
                    "B resumed with a Range request: " + origin.requests());
            String task = get(b.baseUrl() + "/api/v1/tasks/" + taskId).body();
            assertTrue(task.contains("\"status\":\"SUCCESS\""), task + "\nmember B's log:\n" + b.tail(60));
            assertTrue(b.log().contains("taking over back-to-source"), "B logged the take-over");

            // once idle longer than the TTL (and no download is running) B's GC evicts the task
            while (get(b.baseUrl() + "/api/v1/tasks/" + taskId).statusCode() != 404) {
                Thread.sleep(200);
            }
            // the log line follows the eviction (after the files are deleted): wait for it, as a safety net only
            long logDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!b.log().contains("GC (ttl): evicted task " + taskId) && System.nanoTime() < logDeadline) {
                Thread.sleep(100);
            }
            assertTrue(b.log().contains("GC (ttl): evicted task " + taskId), "B logged what GC freed:\n" + b.tail(60));
            assertTrue(!java.nio.file.Files.exists(b.dataDir().resolve("tasks").resolve(taskId)), "the data is gone");
            String metrics = get(b.baseUrl() + "/metrics").body();
            assertTrue(SupernodeSwarmTest.metric(metrics, "dfly_supernode_gc_freed_bytes_total") > 0, metrics);
        }
    }

    private HttpResponse<String> get(String url) throws Exception {
        // the task listings are operator APIs
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                        .header("Authorization", io.dfly.it.harness.TestSecrets.operatorAuthorization()).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
