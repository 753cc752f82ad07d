package io.dfly.it.harbor;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * Talks to a P2P provider exactly as Harbor's preheat job does (goharbor/harbor
 * {@code src/pkg/p2p/preheat/provider/dragonfly.go}, {@code client/http_client.go}, {@code preheat/job.go}):
 * Go's {@code net/http} headers ({@code User-Agent: Go-http-client/1.1}, {@code Accept-Encoding: gzip},
 * {@code Accept: application/json}, {@code Content-Type: application/json} on POST), the instance's
 * credential as {@code Authorization}, bodies as {@code encoding/json} marshals Harbor's structs, a 30 s client
 * timeout, any non-2xx an error, and the status polled every 10 s after the job was created. Answers are read
 * as Go reads them: keys in any case, unknown keys ignored, {@code id} an integer, times RFC 3339.
 */
final class HarborClient {
    /** Harbor's {@code checkInterval}. */
    static final Duration POLL = Duration.ofSeconds(10);
    static final String USER_AGENT = "Go-http-client/1.1";
    static final ObjectMapper GO_JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(30)).build();
    private final String endpoint;
    private final String authorization;
    /** Every answer's status and body, in order (for failure messages). */
    final List<String> seen = new ArrayList<>();

    /** @param authorization the instance's credential header value (Harbor's OAuth mode: {@code Bearer <token>}), or null */
    HarborClient(String endpoint, String authorization) {
        this.endpoint = endpoint.replaceAll("/+$", "");
        this.authorization = authorization;
    }

    /** An HTTP answer. */
    record Answer(int status, String body, Map<String, List<String>> headers) {
        boolean ok() {
            return status / 100 == 2;
        }
    }

    Answer get(String path) throws IOException, InterruptedException {
        return send(base(path).header("Accept", "application/json").GET());
    }

    Answer post(String path, String json) throws IOException, InterruptedException {
        return send(base(path).header("Content-Type", "application/json").header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    private HttpRequest.Builder base(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(endpoint + path)).timeout(Duration.ofSeconds(30))
                .header("User-Agent", USER_AGENT).header("Accept-Encoding", "gzip");
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return b;
    }

    private Answer send(HttpRequest.Builder b) throws IOException, InterruptedException {
        HttpResponse<InputStream> r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        // Go's transport decompresses a gzip answer transparently
        InputStream in = r.headers().firstValue("Content-Encoding").orElse("").equalsIgnoreCase("gzip")
                ? new GZIPInputStream(r.body()) : r.body();
        String body;
        try (in) {
            body = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        seen.add(r.statusCode() + " " + body);
        return new Answer(r.statusCode(), body, r.headers().map());
    }

    // ---- Harbor 2.12+ (Dragonfly2 manager open API) ----

    /** Harbor's {@code dragonflyCreateJobRequest} as Go marshals it (field order; nil cluster ids are null). */
    static String createJobBody(String url, String pullAuthorization, String scope, List<Integer> clusterIds) {
        return "{\"type\":\"preheat\",\"args\":{\"type\":\"image\",\"url\":" + goString(url) + ",\"tag\":\"\","
                + "\"filtered_query_params\":\"\",\"headers\":{\"Authorization\":" + goString(pullAuthorization) + "},"
                + "\"scope\":" + goString(scope) + ",\"concurrent_count\":0,\"timeout\":0},\"scheduler_cluster_ids\":"
                + (clusterIds == null ? "null" : clusterIds.toString().replace(" ", "")) + "}";
    }

    /** The answer Harbor's {@code dragonflyJobResponse} reads (Go: keys in any case). */
    @JsonFormat(with = JsonFormat.Feature.ACCEPT_CASE_INSENSITIVE_PROPERTIES)
    record Job(long id, @JsonProperty("created_at") String createdAt, @JsonProperty("updated_at") String updatedAt,
               String state, Result result) {
    }

    @JsonFormat(with = JsonFormat.Feature.ACCEPT_CASE_INSENSITIVE_PROPERTIES)
    record Result(@JsonProperty("job_states") List<JobState> jobStates) {
    }

    @JsonFormat(with = JsonFormat.Feature.ACCEPT_CASE_INSENSITIVE_PROPERTIES)
    record JobState(String error, List<ClusterResult> results) {
    }

    @JsonFormat(with = JsonFormat.Feature.ACCEPT_CASE_INSENSITIVE_PROPERTIES)
    record ClusterResult(@JsonProperty("success_tasks") List<TaskLine> successTasks,
                         @JsonProperty("failure_tasks") List<TaskLine> failureTasks,
                         @JsonProperty("scheduler_cluster_id") long schedulerClusterId) {
    }

    @JsonFormat(with = JsonFormat.Feature.ACCEPT_CASE_INSENSITIVE_PROPERTIES)
    record TaskLine(String url, String hostname, String ip, String description) {
    }

    /** {@code DragonflyDriver.Preheat}: POST /oapi/v1/jobs; Harbor fails on non-2xx, on 208, on a non-integer id. */
    Job createJob(String body) throws IOException, InterruptedException {
        Answer a = post("/oapi/v1/jobs", body);
        if (!a.ok() || a.status() == 208) {
            throw new IOException("POST /oapi/v1/jobs: " + a.status() + " " + a.body());
        }
        if (!GO_JSON.readTree(a.body()).path("id").isIntegralNumber()) {
            throw new IOException("id is not an integer (Go's json.Unmarshal into int fails): " + a.body());
        }
        Job job = GO_JSON.readValue(a.body(), Job.class);
        goTime(job.createdAt());
        goTime(job.updatedAt());
        return job;
    }

    /** {@code CheckProgress}: GET /oapi/v1/jobs/{id}. */
    Job checkJob(long id) throws IOException, InterruptedException {
        Answer a = get("/oapi/v1/jobs/" + id);
        if (!a.ok()) {
            throw new IOException("GET /oapi/v1/jobs/" + id + ": " + a.status() + " " + a.body());
        }
        Job job = GO_JSON.readValue(a.body(), Job.class);
        goTime(job.createdAt());
        goTime(job.updatedAt());
        return job;
    }

    /** {@code preheat/job.go}'s loop: every 10 s until SUCCESS (returned) or FAILURE / unknown state (thrown). */
    Job awaitJob(long id, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Thread.sleep(POLL.toMillis());
            Job job = checkJob(id);
            switch (job.state()) {
                case "PENDING" -> { }
                case "SUCCESS" -> { return job; }
                case "FAILURE" -> throw new IOException("preheat failed: " + job.result());
                default -> throw new IOException("unknown state: " + job.state());
            }
        }
        throw new IOException("status check timeout: " + timeout);
    }

    // ---- Harbor 2.1-2.11 (Dragonfly 1.x provider) ----

    /** Harbor 2.11's {@code PreheatImage} as Go marshals it. */
    static String preheatBody(String url, String pullAuthorization, String image, String tag, String digest) {
        return "{\"type\":\"image\",\"url\":" + goString(url) + ",\"headers\":{\"Authorization\":"
                + goString(pullAuthorization) + "},\"image\":" + goString(image) + ",\"tag\":" + goString(tag)
                + ",\"digest\":" + goString(digest) + "}";
    }

    /** POST /preheats; 2xx {@code {"ID":…}} (any key case); 208 means "already done" to Harbor 2.3+. */
    String preheat(String body) throws IOException, InterruptedException {
        Answer a = post("/preheats", body);
        if (!a.ok()) {
            throw new IOException("POST /preheats: " + a.status() + " " + a.body());
        }
        return GO_JSON.readValue(a.body(), Preheat1.class).id();
    }

    @JsonFormat(with = JsonFormat.Feature.ACCEPT_CASE_INSENSITIVE_PROPERTIES)
    record Preheat1(@JsonProperty("ID") String id, String status, String errorMsg) {
    }

    /** Polls GET /preheats/{ID} every 10 s: SUCCESS ends, FAIL / FAILED fail, anything else polls again. */
    Preheat1 awaitPreheat(String id, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Thread.sleep(POLL.toMillis());
            Answer a = get("/preheats/" + id);
            if (!a.ok()) {
                throw new IOException("GET /preheats/" + id + ": " + a.status() + " " + a.body());
            }
            Preheat1 p = GO_JSON.readValue(a.body(), Preheat1.class);
            if (p.status().equals("SUCCESS")) {
                return p;
            }
            if (p.status().equals("FAIL") || p.status().equals("FAILED")) {
                throw new IOException("preheat failed: " + a.body());
            }
        }
        throw new IOException("status check timeout: " + timeout);
    }

    /** Go's {@code time.Time} JSON: RFC 3339, fractional seconds allowed; anything else fails Harbor's decode. */
    static OffsetDateTime goTime(String text) throws IOException {
        try {
            return OffsetDateTime.parse(text, DateTimeFormatter.ISO_OFFSET_DATE_TIME);
        } catch (RuntimeException e) {
            throw new IOException("not an RFC 3339 time (Go's time.Time fails to decode it): '" + text + "'");
        }
    }

    /** A JSON string as Go's encoder writes it ({@code <}, {@code >}, {@code &} as \\u escapes). */
    static String goString(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '<' -> b.append("\\u003c");
                case '>' -> b.append("\\u003e");
                case '&' -> b.append("\\u0026");
                default -> b.append(c < 0x20 ? String.format("\\u%04x", (int) c) : String.valueOf(c));
            }
        }
        return b.append('"').toString();
    }
}
