package io.dfly.supernode.preheat;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.dfly.core.security.SafeUrls;
import io.dfly.supernode.task.ApiException;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The subset of the Dragonfly2 manager's open API that Harbor 2.12+ drives ({@code POST /oapi/v1/jobs},
 * {@code GET /oapi/v1/jobs/{id}}), translated to {@link PreheatService} jobs. Requests are read as Go's
 * {@code encoding/json} reads them: keys matched case-insensitively, unknown keys ignored.
 *
 * <p>Every scope preheats the supernode CDN (the seed peer of a dfly cluster): {@code single_seed_peer} and
 * {@code all_seed_peers} alike, since a task's CDN copy on one member is a source for every member's swarms;
 * {@code all_peers} does the same (dfdaemons are not asked to fetch ahead). {@code scheduler_cluster_ids},
 * {@code tag}, {@code filtered_query_params}, {@code concurrent_count} and {@code timeout} are accepted and
 * ignored (dfly has one scheduler per cluster, its volatile query parameters are
 * {@code dfly.supernode.volatile-query-params}, and a job waits at most six hours).
 */
public final class OpenApiJobs {
    public static final String PENDING = "PENDING";
    public static final String SUCCESS = "SUCCESS";
    public static final String FAILURE = "FAILURE";
    /** The scopes Harbor sends; an empty scope is Dragonfly2's default, {@code single_seed_peer}. */
    public static final Set<String> SCOPES = Set.of("single_seed_peer", "all_seed_peers", "all_peers");

    private final PreheatService preheats;

    public OpenApiJobs(PreheatService preheats) {
        this.preheats = preheats;
    }

    /** {@code POST /oapi/v1/jobs}'s body. */
    @JsonFormat(with = JsonFormat.Feature.ACCEPT_CASE_INSENSITIVE_PROPERTIES)
    public record JobRequest(String type, PreheatArgs args,
                             @JsonProperty("scheduler_cluster_ids") List<Long> schedulerClusterIds) {
    }

    /** The preheat arguments; {@code headers} carry the registry credentials and are never shown. */
    @JsonFormat(with = JsonFormat.Feature.ACCEPT_CASE_INSENSITIVE_PROPERTIES)
    public record PreheatArgs(String type, String url, String tag,
                              @JsonProperty("filtered_query_params") String filteredQueryParams,
                              Map<String, String> headers, String scope,
                              @JsonProperty("concurrent_count") Long concurrentCount, Long timeout) {
        @Override
        public String toString() {
            return "PreheatArgs[type=" + type + ", url=" + SafeUrls.display(url) + ", scope=" + scope + "]";
        }
    }

    /** A job as the open API answers it (Harbor reads id, times, state and result). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Job(long id, @JsonProperty("created_at") String createdAt, @JsonProperty("updated_at") String updatedAt,
                      String type, String state, Args args, Result result) {
    }

    /** The job's arguments as shown back: never its headers. */
    public record Args(String type, String url, String scope) {
    }

    public record Result(@JsonProperty("job_states") List<JobState> jobStates) {
    }

    public record JobState(String state, String error, List<ClusterResult> results) {
    }

    public record ClusterResult(@JsonProperty("success_tasks") List<TaskLine> successTasks,
                                @JsonProperty("failure_tasks") List<TaskLine> failureTasks,
                                @JsonProperty("scheduler_cluster_id") long schedulerClusterId) {
    }

    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record TaskLine(String url, String hostname, String ip, String description) {
    }

    /** Creates (or finds: same image digest, same job) the preheat job the request asks for. */
    public Job create(JobRequest req) {
        if (req == null) {
            throw ApiException.badRequest("missing request body");
        }
        if (req.type() == null || !req.type().equalsIgnoreCase("preheat")) {
            throw ApiException.badRequest("type must be 'preheat' (the only job type dfly runs)");
        }
        PreheatArgs args = req.args();
        if (args == null) {
            throw ApiException.badRequest("missing args");
        }
        String scope = args.scope() == null || args.scope().isEmpty() ? "single_seed_peer"
                : args.scope().toLowerCase(Locale.ROOT);
        if (!SCOPES.contains(scope)) {
            throw ApiException.badRequest("scope must be one of single_seed_peer, all_seed_peers, all_peers");
        }
        return view(preheats.begin(args.type(), args.url(), args.headers(), scope));
    }

    /** {@code GET /oapi/v1/jobs/{id}}. */
    public Job get(String id) {
        long number;
        try {
            number = Long.parseLong(id);
        } catch (NumberFormatException e) {
            throw ApiException.notFound("job_not_found", "no job " + (id.length() > 40 ? id.substring(0, 40) + "…" : id));
        }
        return view(preheats.byNumber(number));
    }

    static String state(PreheatRecord r) {
        return switch (r.status()) {
            case "SUCCESS" -> SUCCESS;
            case "FAIL" -> FAILURE;
            default -> PENDING;
        };
    }

    /** The job as the open API shows it. */
    public static Job view(PreheatRecord r) {
        String state = state(r);
        List<TaskLine> ok = new ArrayList<>();
        List<TaskLine> failed = new ArrayList<>();
        for (PreheatRecord.BlobResult b : r.results()) {
            if (b.success()) {
                ok.add(new TaskLine(b.url(), b.hostname(), b.ip(), null));
            } else {
                failed.add(new TaskLine(b.url(), b.hostname(), b.ip(), b.description()));
            }
        }
        JobState js = new JobState(state, state.equals(FAILURE) ? r.errorMsg() : "",
                List.of(new ClusterResult(ok, failed, 1)));
        return new Job(r.number(), r.startTime(), r.updatedTime(), "preheat", state,
                new Args(r.type(), r.url(), r.scope()), new Result(List.of(js)));
    }
}
