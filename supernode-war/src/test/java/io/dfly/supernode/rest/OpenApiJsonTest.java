package io.dfly.supernode.rest;

import com.fasterxml.jackson.databind.JsonNode;
import io.dfly.supernode.preheat.OpenApiJobs;
import io.dfly.supernode.preheat.PreheatRecord;
import io.dfly.supernode.task.ApiException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.MultivaluedHashMap;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.annotation.Annotation;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The open API's JSON as Harbor's Go client writes and reads it: Harbor's create-job body (also with keys in
 * other cases and unknown keys, which Go's decoder accepts), a body over 64 KiB refused with 413, and the job
 * answered with the snake_case keys Harbor's {@code dragonflyJobResponse} reads.
 */
class OpenApiJsonTest {
    /** What Harbor 2.12+ marshals: struct field order, {@code null} cluster ids when none are configured. */
    static final String HARBOR_BODY = "{\"type\":\"preheat\",\"args\":{\"type\":\"image\",\"url\":"
            + "\"https://harbor.example/v2/library/app/manifests/latest\",\"tag\":\"\",\"filtered_query_params\":\"\","
            + "\"headers\":{\"Authorization\":\"Bearer pull-token\"},\"scope\":\"all_peers\",\"concurrent_count\":0,"
            + "\"timeout\":0},\"scheduler_cluster_ids\":null}";

    private final JsonProvider json = new JsonProvider();

    @SuppressWarnings({"unchecked", "rawtypes"})
    private OpenApiJobs.JobRequest read(String body) throws IOException {
        return (OpenApiJobs.JobRequest) json.readFrom((Class) OpenApiJobs.JobRequest.class, OpenApiJobs.JobRequest.class,
                new Annotation[0], MediaType.APPLICATION_JSON_TYPE, new MultivaluedHashMap<>(),
                new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void harborsBodyIsRead() throws IOException {
        OpenApiJobs.JobRequest r = read(HARBOR_BODY);
        assertEquals("preheat", r.type());
        assertEquals("image", r.args().type());
        assertEquals("https://harbor.example/v2/library/app/manifests/latest", r.args().url());
        assertEquals(Map.of("Authorization", "Bearer pull-token"), r.args().headers());
        assertEquals("all_peers", r.args().scope());
        assertNull(r.schedulerClusterIds());
        assertEquals(List.of(1L, 2L), read(HARBOR_BODY.replace("null}", "[1,2]}")).schedulerClusterIds());
    }

    @Test
    void keysMatchInAnyCaseAndUnknownKeysAreIgnored() throws IOException {
        OpenApiJobs.JobRequest r = read("{\"Type\":\"preheat\",\"ARGS\":{\"Type\":\"image\",\"URL\":\"http://r/v2/a/manifests/1\","
                + "\"Headers\":{\"Authorization\":\"Basic eDp5\"},\"Scope\":\"single_seed_peer\",\"Concurrent_Count\":50,"
                + "\"Timeout\":1800000000000,\"priority\":3,\"platform\":\"linux/amd64\"},\"Scheduler_Cluster_IDs\":[1],\"extra\":{}}");
        assertEquals("preheat", r.type());
        assertEquals("http://r/v2/a/manifests/1", r.args().url());
        assertEquals("single_seed_peer", r.args().scope());
        assertEquals(50L, r.args().concurrentCount());
        assertEquals(1800000000000L, r.args().timeout());
        assertEquals(Map.of("Authorization", "Basic eDp5"), r.args().headers(), "header names keep their case");
        assertEquals(List.of(1L), r.schedulerClusterIds());
    }

    @Test
    void aBodyOver64KiBIs413() {
        String big = HARBOR_BODY.replace("\"tag\":\"\"", "\"tag\":\"" + "x".repeat(64 * 1024) + "\"");
        assertEquals(413, assertThrows(ApiException.class, () -> read(big)).status());
        assertEquals(400, assertThrows(ApiException.class, () -> read("{\"type\":")).status());
    }

    @Test
    void theJobIsWrittenWithHarborsKeys() throws IOException {
        PreheatRecord r = new PreheatRecord("abc", 7_000_000_000_000_000_001L, "image", "http://r/v2/a/manifests/1",
                "sha256:" + "1".repeat(64), "all_peers", "SUCCESS", "2026-12-01T10:00:00Z", "2026-12-01T10:00:03.5Z",
                "2026-12-01T10:00:03.5Z", "", List.of("t"),
                List.of(new PreheatRecord.BlobResult("http://r/v2/a/blobs/sha256:x", true, "supernode:10.0.0.1:8002", "10.0.0.1", "")));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        OpenApiJobs.Job job = OpenApiJobs.view(r);
        json.writeTo(job, OpenApiJobs.Job.class, OpenApiJobs.Job.class, new Annotation[0], MediaType.APPLICATION_JSON_TYPE,
                new MultivaluedHashMap<>(), out);
        JsonNode n = JsonProvider.MAPPER.readTree(out.toByteArray());
        assertTrue(n.get("id").isIntegralNumber(), "Harbor reads an integer id: " + n);
        assertEquals(7_000_000_000_000_000_001L, n.get("id").asLong());
        assertEquals("2026-12-01T10:00:00Z", n.get("created_at").asText());
        assertEquals("2026-12-01T10:00:03.5Z", n.get("updated_at").asText());
        assertEquals("SUCCESS", n.get("state").asText());
        JsonNode result = n.get("result").get("job_states").get(0).get("results").get(0);
        assertEquals("http://r/v2/a/blobs/sha256:x", result.get("success_tasks").get(0).get("url").asText());
        assertEquals("10.0.0.1", result.get("success_tasks").get(0).get("ip").asText());
        assertTrue(result.get("failure_tasks").isArray());
        assertFalse(out.toString(StandardCharsets.UTF_8).contains("Authorization"));
    }
}
