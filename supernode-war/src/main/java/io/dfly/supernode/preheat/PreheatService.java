package io.dfly.supernode.preheat;

import io.dfly.core.protocol.TaskStatus;
import io.dfly.core.security.SafeUrls;
import io.dfly.core.task.TaskIds;
import io.dfly.core.security.SafeText;
import io.dfly.supernode.cdn.OriginFailure;
import io.dfly.supernode.task.ApiException;
import io.dfly.supernode.task.TaskService;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.logging.Logger;

/**
 * Preheat (Harbor's Dragonfly provider): pulls a file, or every blob of an image, into the CDN
 * before anyone asks. The job id is derived from type and URL, so asking again for the same content
 * answers the existing job (a failed one is retried).
 *
 * <p>Jobs are bounded: at most {@link #MAX_RECORDS}; a finished one is forgotten {@link #FINISHED_TTL}
 * after it ended (one still unfinished that long after its longest wait, too: its member is gone); a new
 * job when the store is full is answered 503 with {@code Retry-After}.
 */
public final class PreheatService {
    private static final Logger LOG = Logger.getLogger(PreheatService.class.getName());
    private static final Duration MAX_WAIT = Duration.ofHours(6);
    /** Most preheat jobs kept (cluster-wide). */
    public static final int MAX_RECORDS = 1000;
    /** How long a finished job is kept. */
    public static final Duration FINISHED_TTL = Duration.ofHours(24);
    /** {@code Retry-After} of a preheat refused because the store is full. */
    static final int FULL_RETRY_AFTER_SECONDS = 60;

    private final PreheatStore store;
    private final TaskService tasks;
    private final ImageResolver images;
    private final ExecutorService executor;
    private final List<String> volatileParams;
    private final Clock clock;

    public PreheatService(PreheatStore store, TaskService tasks, ImageResolver images, ExecutorService executor,
                          List<String> volatileParams, Clock clock) {
        this.store = store;
        this.tasks = tasks;
        this.images = images;
        this.executor = executor;
        this.volatileParams = List.copyOf(volatileParams);
        this.clock = clock;
    }

    /** Starts (or finds) a preheat job; returns its id. */
    public String start(String type, String url, Map<String, String> headers) {
        String kind = type == null || type.isBlank() ? "image" : type.toLowerCase(Locale.ROOT);
        if (!kind.equals("image") && !kind.equals("file")) {
            throw ApiException.badRequest("type must be 'image' or 'file'");
        }
        if (url == null || url.isBlank()) {
            throw ApiException.badRequest("missing url");
        }
        String normalized;
        try {
            normalized = TaskIds.normalizeUrl(url, volatileParams);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        if (!normalized.startsWith("http://") && !normalized.startsWith("https://")) {
            throw ApiException.badRequest("url must be an absolute http(s) URL");
        }
        String id = HexFormat.of().formatHex(io.dfly.core.piece.Digests.newSha256()
                .digest((kind + "|" + normalized).getBytes(StandardCharsets.UTF_8)));
        expireOld();
        if (store.size() >= MAX_RECORDS && store.get(id).isEmpty()) {
            throw new ApiException(503, "preheat_full", MAX_RECORDS + " preheat jobs are kept already (each for "
                    + FINISHED_TTL.toHours() + " h after it ends); try again later", FULL_RETRY_AFTER_SECONDS);
        }
        // the record (in the grid) keeps the URL as shown: a query may hold a token
        PreheatRecord fresh = new PreheatRecord(id, kind, SafeUrls.display(normalized), "WAITING", now(), "", "");
        Optional<PreheatRecord> existing = store.putIfAbsent(fresh);
        if (existing.isPresent() && !existing.get().status().equals("FAIL")) {
            return id;
        }
        if (existing.isPresent()) {
            store.put(fresh);
        }
        Map<String, String> h = headers == null ? Map.of() : Map.copyOf(headers);
        LOG.info(() -> "preheat " + id + ": " + kind + " " + SafeUrls.display(normalized));
        executor.execute(() -> run(fresh, url, h));
        return id;
    }

    /** Forgets jobs that ended {@link #FINISHED_TTL} ago, and unfinished ones far past their longest wait. */
    void expireOld() {
        Instant now = clock.instant();
        for (PreheatRecord r : store.all()) {
            if (expired(r, now)) {
                store.remove(r.id());
            }
        }
    }

    static boolean expired(PreheatRecord r, Instant now) {
        boolean finished = r.status().equals("SUCCESS") || r.status().equals("FAIL");
        Instant since = parse(finished ? r.finishTime() : r.startTime());
        if (since == null) {
            return false;
        }
        Duration keep = finished ? FINISHED_TTL : FINISHED_TTL.plus(MAX_WAIT);
        return !since.plus(keep).isAfter(now);
    }

    private static Instant parse(String time) {
        try {
            return time == null || time.isEmpty() ? null : Instant.parse(time);
        } catch (java.time.format.DateTimeParseException e) {
            return null;
        }
    }

    public PreheatRecord get(String id) {
        return store.get(id).orElseThrow(() -> ApiException.notFound("preheat_not_found", "no preheat job " + id));
    }

    private void run(PreheatRecord job, String url, Map<String, String> headers) {
        store.put(job.with("RUNNING", "", ""));
        try {
            List<String> taskIds = new ArrayList<>();
            if (job.type().equals("file")) {
                taskIds.add(tasks.ensureTask(url, headers, null, null));
            } else {
                for (BlobRef blob : images.resolve(url, headers)) {
                    taskIds.add(tasks.ensureTask(blob.url(), headers, blob.digest(), null));
                }
            }
            for (String taskId : taskIds) {
                awaitSuccess(taskId);
            }
            store.put(job.with("SUCCESS", now(), ""));
            LOG.info(() -> "preheat " + job.id() + ": done, " + taskIds.size() + " task(s) in the CDN");
        } catch (OriginFailure e) {
            finishFailed(job, e.getMessage());
        } catch (ApiException e) {
            finishFailed(job, e.getMessage());
        } catch (RuntimeException e) {
            finishFailed(job, e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + SafeText.scrub(e.getMessage())));
        }
    }

    private void finishFailed(PreheatRecord job, String message) {
        LOG.warning(() -> "preheat " + job.id() + " failed: " + message);
        store.put(job.with("FAIL", now(), message == null ? "failed" : message));
    }

    private void awaitSuccess(String taskId) {
        long deadline = System.nanoTime() + MAX_WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            TaskService.Lifecycle r = tasks.lifecycle(taskId).orElseThrow(() -> new ApiException(502, "task_gone", "task " + taskId + " disappeared"));
            if (r.status() == TaskStatus.SUCCESS) {
                return;
            }
            if (r.status() == TaskStatus.FAILED) {
                throw new ApiException(502, "task_failed", "task " + taskId + " failed: " + r.failReason());
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ApiException(503, "interrupted", "interrupted");
            }
        }
        throw new ApiException(504, "timeout", "task " + taskId + " not done within " + MAX_WAIT);
    }

    private String now() {
        return DateTimeFormatter.ISO_INSTANT.format(clock.instant());
    }
}
