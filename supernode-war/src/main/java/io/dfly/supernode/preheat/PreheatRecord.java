package io.dfly.supernode.preheat;

import java.io.Serializable;
import java.util.List;

/**
 * A preheat job. {@code id} is derived from type, URL and (for an image) the manifest's digest, so a re-pushed
 * tag is a new job; {@code number} is the same job's numeric id for the Dragonfly2 open API (Harbor 2.12+).
 * {@code status} is WAITING, RUNNING, SUCCESS or FAIL; times are RFC 3339 text ({@code finishTime} empty until
 * it ends, {@code updatedTime} always set). {@code taskIds} are the tasks the job put into the CDN (a finished
 * job whose tasks are gone from the CDN runs again), {@code results} one line per blob for Harbor's log.
 * Never holds the origin credentials: they live sealed with each task ({@link io.dfly.supernode.task.OriginHeaders}).
 */
public record PreheatRecord(String id, long number, String type, String url, String digest, String scope,
                            String status, String startTime, String updatedTime, String finishTime, String errorMsg,
                            List<String> taskIds, List<BlobResult> results) implements Serializable {
    /** One blob's outcome: its URL as displayed (no query), and where it landed or why it did not. */
    public record BlobResult(String url, boolean success, String hostname, String ip, String description)
            implements Serializable {
    }

    public PreheatRecord {
        digest = digest == null ? "" : digest;
        scope = scope == null ? "" : scope;
        finishTime = finishTime == null ? "" : finishTime;
        updatedTime = updatedTime == null || updatedTime.isEmpty() ? startTime : updatedTime;
        errorMsg = errorMsg == null ? "" : errorMsg;
        taskIds = taskIds == null ? List.of() : List.copyOf(taskIds);
        results = results == null ? List.of() : List.copyOf(results);
    }

    /** A job of the 1.x protocol's shape (no number, digest, scope or results yet). */
    public PreheatRecord(String id, String type, String url, String status, String startTime, String finishTime,
                         String errorMsg) {
        this(id, 0, type, url, "", "", status, startTime, startTime, finishTime, errorMsg, List.of(), List.of());
    }

    public boolean finished() {
        return status.equals("SUCCESS") || status.equals("FAIL");
    }

    /** The job in a new state at {@code time} (the finish time too when it ends). */
    public PreheatRecord with(String newStatus, String time, String newErrorMsg) {
        boolean ends = newStatus.equals("SUCCESS") || newStatus.equals("FAIL");
        return new PreheatRecord(id, number, type, url, digest, scope, newStatus, startTime, time, ends ? time : "",
                newErrorMsg, taskIds, results);
    }

    /** The job with its tasks and per-blob results so far. */
    public PreheatRecord withResults(List<String> newTaskIds, List<BlobResult> newResults) {
        return new PreheatRecord(id, number, type, url, digest, scope, status, startTime, updatedTime, finishTime,
                errorMsg, newTaskIds, newResults);
    }
}
