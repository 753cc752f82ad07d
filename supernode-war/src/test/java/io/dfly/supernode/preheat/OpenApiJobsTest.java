package io.dfly.supernode.preheat;

import io.dfly.supernode.task.ApiException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Open-API job states and results from preheat records; requests Harbor must not send are refused. */
class OpenApiJobsTest {
    private static PreheatRecord record(String status, List<PreheatRecord.BlobResult> results, String error) {
        return new PreheatRecord("abc", 42, "image", "http://r/v2/a/manifests/1", "sha256:" + "0".repeat(64), "all_peers",
                status, "2026-12-01T10:00:00Z", "2026-12-01T10:00:05Z", "", error, List.of(), results);
    }

    @Test
    void statesMapToTheOpenApisThree() {
        assertEquals("PENDING", OpenApiJobs.view(record("WAITING", List.of(), "")).state());
        assertEquals("PENDING", OpenApiJobs.view(record("RUNNING", List.of(), "")).state());
        assertEquals("SUCCESS", OpenApiJobs.view(record("SUCCESS", List.of(), "")).state());
        OpenApiJobs.Job failed = OpenApiJobs.view(record("FAIL", List.of(
                new PreheatRecord.BlobResult("http://r/v2/a/blobs/x", false, "supernode:10.0.0.1:8002", "10.0.0.1", "401 from origin")),
                "task x failed"));
        assertEquals("FAILURE", failed.state());
        assertEquals("task x failed", failed.result().jobStates().get(0).error());
        assertEquals("401 from origin", failed.result().jobStates().get(0).results().get(0).failureTasks().get(0).description());
    }

    @Test
    void successListsEveryBlobWithTheMemberHoldingIt() {
        OpenApiJobs.Job ok = OpenApiJobs.view(record("SUCCESS", List.of(
                new PreheatRecord.BlobResult("http://r/v2/a/blobs/x", true, "supernode:10.0.0.1:8002", "10.0.0.1", "")), ""));
        assertEquals(42, ok.id());
        assertEquals("2026-12-01T10:00:00Z", ok.createdAt());
        assertEquals("2026-12-01T10:00:05Z", ok.updatedAt());
        OpenApiJobs.TaskLine line = ok.result().jobStates().get(0).results().get(0).successTasks().get(0);
        assertEquals("http://r/v2/a/blobs/x", line.url());
        assertEquals("10.0.0.1", line.ip());
    }

    @Test
    void onlyPreheatJobsWithAKnownScopeAreTaken() {
        OpenApiJobs jobs = new OpenApiJobs(null);
        OpenApiJobs.PreheatArgs args = new OpenApiJobs.PreheatArgs("image", "http://r/v2/a/manifests/1", "", "", null,
                "everywhere", 0L, 0L);
        assertEquals(400, assertThrows(ApiException.class, () -> jobs.create(new OpenApiJobs.JobRequest("preheat", args, null))).status());
        assertEquals(400, assertThrows(ApiException.class, () -> jobs.create(new OpenApiJobs.JobRequest("sync_peers", args, null))).status());
        assertEquals(400, assertThrows(ApiException.class, () -> jobs.create(null)).status());
        assertEquals(404, assertThrows(ApiException.class, () -> jobs.get("not-a-number")).status());
    }

    @Test
    void argsNeverShowTheirHeaders() {
        OpenApiJobs.PreheatArgs args = new OpenApiJobs.PreheatArgs("image", "http://r/v2/a/manifests/1?token=q", "", "",
                java.util.Map.of("Authorization", "Bearer secret"), "", 0L, 0L);
        assertTrue(!args.toString().contains("secret") && !args.toString().contains("token=q"), args.toString());
    }
}
