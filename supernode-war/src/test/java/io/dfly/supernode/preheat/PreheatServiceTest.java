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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Preheat under the origin policy: a refused origin ends the job FAIL with the reason, nothing fetched. */
class PreheatServiceTest {
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final LocalPreheatStore jobs = new LocalPreheatStore();
    private final java.util.concurrent.atomic.AtomicReference<java.time.Instant> now =
            new java.util.concurrent.atomic.AtomicReference<>(java.time.Instant.parse("2026-01-01T00:00:00Z"));
    @TempDir
    Path dataDir;

    @AfterEach
    void tearDown() {
        executor.shutdownNow();
    }

    private PreheatService service() {
        return service(executor);
    }

    private PreheatService service(ExecutorService preheatWorkers) {
        OriginClient origin = new OriginClient(Duration.ofSeconds(2), TestSecrets.NOTHING_LISTED);
        LocalTaskStore store = new LocalTaskStore();
        LocalOriginHeaders headers = new LocalOriginHeaders();
        SeedIdentity self = SeedIdentity.of("member-1", "127.0.0.1", 8002);
        TaskSignals signals = new TaskSignals();
        BackToSource b2s = new BackToSource(store, headers, new CdnStore(dataDir, System::currentTimeMillis), origin, self,
                new SupernodeMetrics(), executor, System::currentTimeMillis, 0, signals, TestSecrets.SECRET);
        TaskService tasks = new TaskService(store, headers, b2s, self, TestSecrets.SECRET, SchedulerLimits.defaults(), 2,
                List.of(), Duration.ofSeconds(5), TaskService.DEFAULT_FAILED_TASK_TTL, new SupernodeMetrics(), System::currentTimeMillis, signals, null);
        PreheatStore jobStore = jobs;
        Clock clock = new Clock() {
            @Override
            public java.time.ZoneId getZone() {
                return java.time.ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public java.time.Instant instant() {
                return now.get();
            }
        };
        return new PreheatService(jobStore, tasks, new ImageResolver(origin, List.of("linux/amd64")), preheatWorkers, List.of(),
                clock);
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

    @Test
    void preheatJobsAreBoundedAndFinishedOnesExpire() throws Exception {
        PreheatService s = service();
        String first = s.start("file", "http://169.254.169.254/job-0", Map.of());
        awaitEnd(s, first);
        for (int i = 1; i < PreheatService.MAX_RECORDS; i++) {
            jobs.put(new PreheatRecord("id-" + i, "file", "http://o/" + i, "RUNNING", now.get().toString(), "", ""));
        }
        io.dfly.supernode.task.ApiException full = org.junit.jupiter.api.Assertions.assertThrows(
                io.dfly.supernode.task.ApiException.class, () -> s.start("file", "http://169.254.169.254/one-more", Map.of()));
        assertEquals(503, full.status());
        assertTrue(full.retryAfterSeconds() > 0);
        assertEquals(PreheatService.MAX_RECORDS, jobs.size());
        // asking again for a job that exists is still answered
        assertEquals(first, s.start("file", "http://169.254.169.254/job-0", Map.of()));
        awaitEnd(s, first); // (a failed job asked for again runs again)
        // a day after it ended, the finished job is forgotten and there is room again
        now.set(now.get().plus(PreheatService.FINISHED_TTL).plusSeconds(1));
        String next = s.start("file", "http://169.254.169.254/one-more", Map.of());
        assertFalse(jobs.get(first).isPresent(), "the finished job expired");
        assertTrue(jobs.get("id-1").isPresent(), "unfinished jobs are kept longer");
        awaitEnd(s, next);
        now.set(now.get().plus(java.time.Duration.ofHours(7)));
        s.expireOld();
        assertFalse(jobs.get("id-1").isPresent(), "a job unfinished long past its longest wait is forgotten");
    }

    @Test
    void aPreheatTheBusyWorkersCannotTakeIsA503WithRetryAfterAndKeepsNothing() throws Exception {
        java.util.concurrent.ThreadPoolExecutor full = new java.util.concurrent.ThreadPoolExecutor(1, 1, 1,
                java.util.concurrent.TimeUnit.SECONDS, new java.util.concurrent.ArrayBlockingQueue<>(1));
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        try {
            full.execute(() -> {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            full.execute(() -> { });
            PreheatService s = service(full);
            io.dfly.supernode.task.ApiException busy = org.junit.jupiter.api.Assertions.assertThrows(
                    io.dfly.supernode.task.ApiException.class, () -> s.start("file", "http://169.254.169.254/busy", Map.of()));
            assertEquals(503, busy.status());
            assertEquals("preheat_busy", busy.code());
            assertTrue(busy.retryAfterSeconds() > 0);
            assertEquals(0, jobs.size(), "a refused preheat leaves no record behind");
        } finally {
            release.countDown();
            full.shutdownNow();
        }
        // with room again, the same preheat is taken (and here fails on the origin policy, as it should)
        PreheatService s = service();
        assertEquals("FAIL", awaitEnd(s, s.start("file", "http://169.254.169.254/busy", Map.of())).status());
    }
}
