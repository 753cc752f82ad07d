package io.dfly.supernode.preheat;

import com.sun.net.httpserver.HttpServer;
import io.dfly.core.piece.Digests;
import io.dfly.core.task.TaskIds;
import io.dfly.scheduler.SchedulerLimits;
import io.dfly.supernode.TestSecrets;
import io.dfly.supernode.cdn.BackToSource;
import io.dfly.supernode.cdn.CdnStore;
import io.dfly.supernode.cdn.OriginClient;
import io.dfly.supernode.metrics.SupernodeMetrics;
import io.dfly.supernode.task.LocalOriginHeaders;
import io.dfly.supernode.task.LocalTaskStore;
import io.dfly.supernode.task.SeedIdentity;
import io.dfly.supernode.task.TaskService;
import io.dfly.supernode.task.TaskSignals;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The re-push bug: a preheat is identified by the digest the tag names when it is asked for, so a tag pushed
 * again is preheated again (new layers fetched); a finished job whose tasks left the CDN runs again; the same
 * image asked for twice is one job. Both protocols' views of one job (1.x status, open-API state) agree.
 */
class PreheatRepushTest {
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final Map<String, byte[]> served = new ConcurrentHashMap<>();
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final List<String> authorizations = new CopyOnWriteArrayList<>();
    private HttpServer registry;
    private TaskService tasks;
    private PreheatService preheats;
    private final LocalPreheatStore jobs = new LocalPreheatStore();
    @TempDir
    Path dataDir;

    @BeforeEach
    void setUp() throws Exception {
        registry = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        registry.createContext("/", ex -> {
            String path = ex.getRequestURI().getPath();
            requests.add(ex.getRequestMethod() + " " + path);
            authorizations.add(String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
            byte[] body = served.get(path);
            if (body == null) {
                ex.sendResponseHeaders(404, -1);
            } else {
                ex.sendResponseHeaders(200, body.length);
                ex.getResponseBody().write(body);
            }
            ex.close();
        });
        registry.start();
        OriginClient origin = new OriginClient(Duration.ofSeconds(2), TestSecrets.LOOPBACK_ALLOWED);
        LocalTaskStore store = new LocalTaskStore();
        LocalOriginHeaders headers = new LocalOriginHeaders();
        SeedIdentity self = SeedIdentity.of("member-1", "127.0.0.1", 8002);
        TaskSignals signals = new TaskSignals();
        SupernodeMetrics metrics = new SupernodeMetrics();
        BackToSource b2s = new BackToSource(store, headers, new CdnStore(dataDir, System::currentTimeMillis), origin, self,
                metrics, executor, System::currentTimeMillis, 0, signals, TestSecrets.SECRET);
        tasks = new TaskService(store, headers, b2s, self, TestSecrets.SECRET, SchedulerLimits.defaults(), 2,
                List.of(), Duration.ofSeconds(5), TaskService.DEFAULT_FAILED_TASK_TTL, metrics, System::currentTimeMillis,
                signals, null);
        preheats = new PreheatService(jobs, tasks, new ImageResolver(origin, List.of("linux/amd64")),
                executor, List.of(), Clock.systemUTC(), new AtomicLong(1000)::incrementAndGet);
    }

    @AfterEach
    void tearDown() {
        registry.stop(0);
        executor.shutdownNow();
    }

    private String base() {
        return "http://127.0.0.1:" + registry.getAddress().getPort() + "/v2/lib/app";
    }

    /** Pushes an image of a config and one layer (both random) under {@code tag}; returns the blobs' digests. */
    private List<String> push(String tag) {
        byte[] config = ("{\"os\":\"linux\",\"n\":" + System.nanoTime() + "}").getBytes(StandardCharsets.UTF_8);
        byte[] layer = new byte[300_000];
        new java.util.Random().nextBytes(layer);
        String dc = Digests.sha256(config);
        String dl = Digests.sha256(layer);
        served.put("/v2/lib/app/blobs/" + dc, config);
        served.put("/v2/lib/app/blobs/" + dl, layer);
        served.put("/v2/lib/app/manifests/" + tag, ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"config\":{\"digest\":\"" + dc + "\"},\"layers\":[{\"digest\":\"" + dl + "\"}]}").getBytes(StandardCharsets.UTF_8));
        return List.of(dc, dl);
    }

    private PreheatRecord awaitEnd(String id) throws InterruptedException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (System.nanoTime() < deadline) {
            PreheatRecord r = preheats.get(id);
            if (r.finished()) {
                return r;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("preheat " + id + " did not end");
    }

    private String taskId(String digest) {
        return TaskIds.derive(base() + "/blobs/" + digest, digest, null, List.of());
    }

    private long gets(String digest) {
        return requests.stream().filter(r -> r.equals("GET /v2/lib/app/blobs/" + digest)).count();
    }

    @Test
    void aRePushedTagIsPreheatedAgainAndTheSameImageIsOneJob() throws Exception {
        Map<String, String> creds = Map.of("Authorization", "Bearer pull-token");
        List<String> first = push("latest");
        PreheatRecord a = preheats.begin("image", base() + "/manifests/latest", creds, "single_seed_peer");
        PreheatRecord doneA = awaitEnd(a.id());
        assertEquals("SUCCESS", doneA.status(), doneA.errorMsg());
        assertEquals(Digests.sha256(served.get("/v2/lib/app/manifests/latest")), doneA.digest());
        assertEquals(2, doneA.results().size());
        assertTrue(doneA.results().stream().allMatch(PreheatRecord.BlobResult::success));
        for (String d : first) {
            assertEquals("SUCCESS", tasks.view(taskId(d)).status());
        }
        assertEquals(a.id(), preheats.start("image", base() + "/manifests/latest", creds), "same image, same job");
        assertEquals(a.number(), preheats.begin("image", base() + "/manifests/latest", creds, "all_peers").number());

        List<String> second = push("latest");
        PreheatRecord b = preheats.begin("image", base() + "/manifests/latest", creds, "all_seed_peers");
        assertNotEquals(a.id(), b.id(), "a re-pushed tag is a new job");
        assertNotEquals(a.number(), b.number());
        assertEquals("SUCCESS", awaitEnd(b.id()).status());
        for (String d : second) {
            assertEquals("SUCCESS", tasks.view(taskId(d)).status(), "the new image's blobs are in the CDN");
            assertEquals(1, gets(d));
        }
        assertEquals(b.id(), preheats.byNumber(b.number()).id());
        assertTrue(authorizations.stream().allMatch("Bearer pull-token"::equals), "every origin request carried the job's headers");
        assertFalse(preheats.get(b.id()).toString().contains("pull-token"), "the job keeps no credentials");
    }

    @Test
    void aFinishedJobWhoseBlobsLeftTheCdnRunsAgain() throws Exception {
        List<String> blobs = push("v1");
        String id = preheats.start("image", base() + "/manifests/v1", Map.of());
        assertEquals("SUCCESS", awaitEnd(id).status());
        tasks.dropLocalCopy(taskId(blobs.get(1))); // what GC does: the only copy is gone, the task is forgotten
        assertTrue(tasks.lifecycle(taskId(blobs.get(1))).isEmpty());
        assertEquals(id, preheats.start("image", base() + "/manifests/v1", Map.of()));
        assertEquals("SUCCESS", awaitEnd(id).status());
        assertEquals("SUCCESS", tasks.view(taskId(blobs.get(1))).status(), "the layer is back in the CDN");
        assertEquals(2, gets(blobs.get(1)), "fetched again from the origin");
    }

    @Test
    void anUnfinishedJobSilentTooLongRunsAgainAndALiveOneIsAnsweredAsIs() throws Exception {
        List<String> blobs = push("v2");
        String url = base() + "/manifests/v2";
        String id = preheats.start("image", url, Map.of());
        PreheatRecord done = awaitEnd(id);
        // its member died while it ran: RUNNING, last heard from long ago
        jobs.put(done.with("RUNNING", "2000-01-01T00:00:00Z", ""));
        PreheatRecord again = preheats.begin("image", url, Map.of(), "");
        assertEquals(id, again.id());
        assertEquals(done.number(), again.number(), "the same job, so Harbor's id keeps working");
        assertEquals("WAITING", again.status(), "runs again");
        assertEquals("SUCCESS", awaitEnd(id).status());
        // one heard from just now is running: answered as is
        jobs.put(preheats.get(id).with("RUNNING", java.time.Instant.now().toString(), ""));
        assertEquals("RUNNING", preheats.begin("image", url, Map.of(), "").status());
        assertEquals(1, gets(blobs.get(1)), "the CDN still had the layer: nothing fetched twice");
    }

    @Test
    void anImageThatCannotBeResolvedIsAFailedJobInBothProtocols() throws Exception {
        PreheatRecord r = preheats.begin("image", base() + "/manifests/missing", Map.of(), "single_seed_peer");
        assertEquals("FAIL", r.status());
        OpenApiJobs.Job job = new OpenApiJobs(preheats).get(String.valueOf(r.number()));
        assertEquals(OpenApiJobs.FAILURE, job.state());
        assertTrue(job.result().jobStates().get(0).error().contains("cannot resolve the image"), job.toString());
        assertFalse(job.createdAt().isEmpty() || job.updatedAt().isEmpty(), "Go's time.Time needs both times");
    }
}
