package io.dfly.supernode.preheat;

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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Preheat under the origin policy: a refused origin ends the job FAIL with the reason, nothing fetched. */
class PreheatServiceTest {
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final Map<String, PreheatRecord> jobs = new ConcurrentHashMap<>();
    @TempDir
    Path dataDir;

    @AfterEach
    void tearDown() {
        executor.shutdownNow();
    }

    private PreheatService service() {
        OriginClient origin = new OriginClient(Duration.ofSeconds(2), TestSecrets.NOTHING_LISTED);
        LocalTaskStore store = new LocalTaskStore();
        LocalOriginHeaders headers = new LocalOriginHeaders();
        SeedIdentity self = SeedIdentity.of("member-1", "127.0.0.1", 8002);
        TaskSignals signals = new TaskSignals();
        BackToSource b2s = new BackToSource(store, headers, new CdnStore(dataDir, System::currentTimeMillis), origin, self,
                new SupernodeMetrics(), executor, System::currentTimeMillis, 0, signals, TestSecrets.SECRET);
        TaskService tasks = new TaskService(store, headers, b2s, self, TestSecrets.SECRET, SchedulerLimits.defaults(), 2,
                List.of(), Duration.ofSeconds(5), new SupernodeMetrics(), System::currentTimeMillis, signals, null);
        PreheatStore jobStore = new PreheatStore() {
            @Override
            public Optional<PreheatRecord> get(String id) {
                return Optional.ofNullable(jobs.get(id));
            }

            @Override
            public Optional<PreheatRecord> putIfAbsent(PreheatRecord record) {
                return Optional.ofNullable(jobs.putIfAbsent(record.id(), record));
            }

            @Override
            public void put(PreheatRecord record) {
                jobs.put(record.id(), record);
            }
        };
        return new PreheatService(jobStore, tasks, new ImageResolver(origin, List.of("linux/amd64")), executor, List.of(),
                Clock.systemUTC());
    }

    private PreheatRecord awaitEnd(PreheatService s, String id) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            PreheatRecord r = s.get(id);
            if (r.status().equals("SUCCESS") || r.status().equals("FAIL")) {
                return r;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("preheat " + id + " did not end");
    }

    @Test
    void aRefusedOriginEndsThePreheatFailWithTheReason() throws Exception {
        PreheatService s = service();
        for (String[] job : new String[][]{{"image", "http://127.0.0.1:9/v2/lib/app/manifests/v1"},
                {"file", "http://169.254.169.254/latest/meta-data?token=SECRET"}}) {
            PreheatRecord r = awaitEnd(s, s.start(job[0], job[1], Map.of("Authorization", "Bearer t")));
            assertEquals("FAIL", r.status(), job[0]);
            assertTrue(r.errorMsg().contains("dfly.supernode.allowed-origins"), r.errorMsg());
            assertFalse(r.url().contains("SECRET") || r.url().contains("?"), "the job keeps the URL without its query: " + r.url());
        }
    }
}
