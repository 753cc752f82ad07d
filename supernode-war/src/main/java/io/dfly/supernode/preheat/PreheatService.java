package io.dfly.supernode.preheat;

import io.dfly.core.piece.Digests;
import io.dfly.core.protocol.TaskStatus;
import io.dfly.core.security.SafeText;
import io.dfly.core.security.SafeUrls;
import io.dfly.core.task.TaskIds;
import io.dfly.supernode.cdn.OriginFailure;
import io.dfly.supernode.task.ApiException;
import io.dfly.supernode.task.TaskService;
import io.dfly.supernode.task.TaskView;

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
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.function.LongSupplier;
import java.util.logging.Logger;

/**
 * Preheat (Harbor's Dragonfly providers, both protocols): pulls a file, or every blob of an image, into the
 * CDN before anyone asks.
 *
 * <p>A job's id is derived from type, URL and, for an image, the digest of the manifest the URL names when
 * the job is asked for (fetched then, with the job's headers): asking again for the same content answers the
 * existing job, a re-pushed tag is a new job. A failed job asked for again runs again; so does a finished one
 * whose tasks are no longer in the CDN (collected, or expired as failed).
 *
 * <p>Jobs are bounded: at most {@link #MAX_RECORDS}; a finished one is forgotten {@link #FINISHED_TTL}
 * after it ended (one still unfinished that long after its longest wait, too: its member is gone); a new
 * job when the store is full is answered 503 with {@code Retry-After}.
 *
 * <p>The job's origin headers (Harbor's pull token) are never stored in the job: they go, sealed, with each
 * task it creates ({@link TaskService#ensureTask}) and are sent only to the URL's origin.
 */
public final class PreheatService {
    private static final Logger LOG = Logger.getLogger(PreheatService.class.getName());
    private static final Duration MAX_WAIT = Duration.ofHours(6);
    /** Most preheat jobs kept (cluster-wide). */
    public static final int MAX_RECORDS = 1000;
    /** The {@code Retry-After} of a preheat refused because the workers and their queue are full. */
    static final int BUSY_RETRY_AFTER_SECONDS = 30;
    /** How long a finished job is kept. */
    public static final Duration FINISHED_TTL = Duration.ofHours(24);
    /** How often a running job says it is alive (its {@code updatedTime}). */
    static final Duration TOUCH_EVERY = Duration.ofSeconds(30);
    /** An unfinished job silent this long lost its member: asked for again, it runs again. */
    static final Duration ORPHANED_AFTER = Duration.ofMinutes(2);
    /** {@code Retry-After} of a preheat refused because the store is full. */
    static final int FULL_RETRY_AFTER_SECONDS = 60;

    private final PreheatStore store;
    private final TaskService tasks;
    private final ImageResolver images;
    private final ExecutorService executor;
    private final List<String> volatileParams;
    private final Clock clock;
    private final LongSupplier numbers;

    public PreheatService(PreheatStore store, TaskService tasks, ImageResolver images, ExecutorService executor,
                          List<String> volatileParams, Clock clock) {
        this(store, tasks, images, executor, volatileParams, clock, new java.util.concurrent.atomic.AtomicLong()::incrementAndGet);
    }

    /** @param numbers hands out the jobs' open-API numbers (positive, unique in the cluster) */
    public PreheatService(PreheatStore store, TaskService tasks, ImageResolver images, ExecutorService executor,
                          List<String> volatileParams, Clock clock, LongSupplier numbers) {
        this.store = store;
        this.tasks = tasks;
        this.images = images;
        this.executor = executor;
        this.volatileParams = List.copyOf(volatileParams);
        this.clock = clock;
        this.numbers = numbers;
    }

    /** Starts (or finds) a preheat job; returns its id. */
    public String start(String type, String url, Map<String, String> headers) {
        return begin(type, url, headers, "").id();
    }

    /**
     * Starts (or finds) a preheat job and returns it as it is now.
     *
     * @param scope the open API's scope, kept for the record (every scope preheats the supernode CDN: see README)
     */
    public PreheatRecord begin(String type, String url, Map<String, String> headers, String scope) {
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
        Map<String, String> h = headers == null ? Map.of() : Map.copyOf(headers);
        // an image is identified by what its tag names now: a re-pushed tag is another job
        ImageResolver.Manifest manifest = null;
        String unresolved = null;
        if (kind.equals("image")) {
            try {
                manifest = images.top(url, h);
            } catch (OriginFailure e) {
                unresolved = e.getMessage();
            } catch (RuntimeException e) {
                unresolved = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + SafeText.scrub(e.getMessage()));
            }
        }
        String digest = manifest == null ? "" : manifest.digest();
        String id = HexFormat.of().formatHex(Digests.newSha256()
                .digest((kind + "|" + normalized + (digest.isEmpty() ? "" : "|" + digest)).getBytes(StandardCharsets.UTF_8)));
        expireOld();
        Optional<PreheatRecord> existing = store.get(id);
        if (store.size() >= MAX_RECORDS && existing.isEmpty()) {
            throw new ApiException(503, "preheat_full", MAX_RECORDS + " preheat jobs are kept already (each for "
                    + FINISHED_TTL.toHours() + " h after it ends); try again later", FULL_RETRY_AFTER_SECONDS);
        }
        if (existing.isPresent() && stillGood(existing.get())) {
            return existing.get();
        }
        long number = existing.map(PreheatRecord::number).filter(n -> n != 0).orElseGet(numbers::getAsLong);
        String now = now();
        // the record (in the grid) keeps the URL as shown: a query may hold a token
        PreheatRecord fresh = new PreheatRecord(id, number, kind, SafeUrls.display(normalized), digest,
                scope == null ? "" : scope, "WAITING", now, now, "", "", List.of(), List.of());
        if (existing.isPresent()) {
            store.put(fresh);
        } else {
            Optional<PreheatRecord> raced = store.putIfAbsent(fresh);
            if (raced.isPresent()) {
                return raced.get();
            }
        }
        String shown = SafeUrls.display(normalized);
        if (unresolved != null) {
            String why = "cannot resolve the image: " + unresolved;
            LOG.warning(() -> "preheat " + id + " failed: " + shown + ": " + why);
            PreheatRecord failed = fresh.with("FAIL", now, why);
            store.put(failed);
            return failed;
        }
        LOG.info(() -> "preheat " + id + " (#" + number + "): " + kind + " " + shown
                + (digest.isEmpty() ? "" : " @ " + digest));
        ImageResolver.Manifest resolved = manifest;
        try {
            executor.execute(() -> run(fresh, url, h, resolved));
        } catch (RejectedExecutionException e) {
            // the preheat workers and their queue are full: nothing runs, nothing is kept, the caller asks again later
            store.remove(id);
            LOG.warning(() -> "preheat " + id + " refused: " + shown + ": the preheat workers are busy");
            throw new ApiException(503, "preheat_busy", "too many preheats running or waiting on this supernode; "
                    + "ask again later", BUSY_RETRY_AFTER_SECONDS);
        }
        return fresh;
    }

    /**
     * Whether an existing job is answered as is: running (and heard from within {@link #ORPHANED_AFTER}: the
     * member running it may have left the cluster), or done with every task still in the CDN.
     */
    private boolean stillGood(PreheatRecord r) {
        if (r.status().equals("FAIL")) {
            return false;
        }
        if (!r.status().equals("SUCCESS")) {
            Instant heard = parse(r.updatedTime());
            boolean alive = heard == null || heard.plus(ORPHANED_AFTER).isAfter(clock.instant());
            if (!alive) {
                LOG.info(() -> "preheat " + r.id() + ": unfinished and silent since " + r.updatedTime() + "; running it again");
            }
            return alive;
        }
        for (String taskId : r.taskIds()) {
            Optional<TaskService.Lifecycle> l = tasks.lifecycle(taskId);
            if (l.isEmpty() || l.get().status() != TaskStatus.SUCCESS) {
                LOG.info(() -> "preheat " + r.id() + ": task " + taskId + " is no longer in the CDN; running it again");
                return false;
            }
        }
        return true;
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
        boolean finished = r.finished();
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

    /** The job with this open-API number. */
    public PreheatRecord byNumber(long number) {
        return store.byNumber(number).orElseThrow(() -> ApiException.notFound("job_not_found", "no job " + number));
    }

    private void run(PreheatRecord job, String url, Map<String, String> headers, ImageResolver.Manifest manifest) {
        PreheatRecord current = job.with("RUNNING", now(), "");
        store.put(current);
        List<String> taskIds = new ArrayList<>();
        List<String> shown = new ArrayList<>();
        List<PreheatRecord.BlobResult> results = new ArrayList<>();
        try {
            if (job.type().equals("file")) {
                shown.add(job.url());
                taskIds.add(tasks.ensureTask(url, headers, null, null));
            } else {
                for (BlobRef blob : images.resolve(url, manifest, headers)) {
                    String blobShown = SafeUrls.display(blob.url());
                    try {
                        taskIds.add(tasks.ensureTask(blob.url(), headers, blob.digest(), null));
                        shown.add(blobShown);
                    } catch (ApiException e) {
                        results.add(failure(blobShown, e.getMessage()));
                        throw e;
                    }
                }
            }
            for (int i = 0; i < taskIds.size(); i++) {
                String taskId = taskIds.get(i);
                try {
                    PreheatRecord running = current.withResults(taskIds, results);
                    awaitSuccess(taskId, () -> store.put(running.with("RUNNING", now(), "")));
                    results.add(success(shown.get(i), taskId));
                } catch (ApiException e) {
                    results.add(failure(shown.get(i), e.getMessage()));
                    throw e;
                }
            }
            store.put(current.withResults(taskIds, results).with("SUCCESS", now(), ""));
            LOG.info(() -> "preheat " + job.id() + ": done, " + taskIds.size() + " task(s) in the CDN");
        } catch (OriginFailure e) {
            finishFailed(current.withResults(taskIds, results), e.getMessage());
        } catch (ApiException e) {
            finishFailed(current.withResults(taskIds, results), e.getMessage());
        } catch (RuntimeException e) {
            finishFailed(current.withResults(taskIds, results),
                    e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + SafeText.scrub(e.getMessage())));
        }
    }

    private PreheatRecord.BlobResult success(String shownUrl, String taskId) {
        String seed = "";
        try {
            TaskView v = tasks.view(taskId);
            seed = v.seeds().isEmpty() ? "" : v.seeds().get(0);
        } catch (ApiException e) {
            // gone already: the line still says it was fetched
        }
        return new PreheatRecord.BlobResult(shownUrl, true, seed.isEmpty() ? tasks.self().sourceId() : seed,
                ipOf(seed.isEmpty() ? tasks.self().sourceId() : seed), "");
    }

    private PreheatRecord.BlobResult failure(String shownUrl, String why) {
        return new PreheatRecord.BlobResult(shownUrl, false, tasks.self().sourceId(), ipOf(tasks.self().sourceId()),
                why == null ? "failed" : why);
    }

    /** The IP of a seed's source id {@code supernode:<ip>:<port>}. */
    static String ipOf(String sourceId) {
        String s = sourceId.startsWith("supernode:") ? sourceId.substring("supernode:".length()) : sourceId;
        int colon = s.lastIndexOf(':');
        return colon < 0 ? s : s.substring(0, colon);
    }

    private void finishFailed(PreheatRecord job, String message) {
        LOG.warning(() -> "preheat " + job.id() + " failed: " + message);
        store.put(job.with("FAIL", now(), message == null ? "failed" : message));
    }

    /** Waits for the task to succeed, calling {@code touch} every {@link #TOUCH_EVERY} meanwhile. */
    private void awaitSuccess(String taskId, Runnable touch) {
        long deadline = System.nanoTime() + MAX_WAIT.toNanos();
        long nextTouch = System.nanoTime() + TOUCH_EVERY.toNanos();
        while (System.nanoTime() < deadline) {
            if (System.nanoTime() - nextTouch >= 0) {
                touch.run();
                nextTouch = System.nanoTime() + TOUCH_EVERY.toNanos();
            }
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
