package io.dfly.supernode.metrics;

import io.dfly.core.metrics.Counter;
import io.dfly.core.metrics.Meters;
import io.dfly.core.metrics.Timer;

/**
 * Counters and timers of this member, made by the {@link Meters} it was given: MicroProfile Metrics in
 * the WAR (exported at {@code /metrics}), memory in unit tests. The gauges over the cluster's tasks are
 * {@link TaskGauges}.
 */
public final class SupernodeMetrics {
    public final Counter bytesFromOrigin;
    public final Counter bytesServed;
    public final Counter bytesServedByPeers;
    /** Failed pieces reported against a supernode's CDN copy. */
    public final Counter pieceFailuresFromSupernodes;
    /** Failed pieces reported against another peer. */
    public final Counter pieceFailuresFromPeers;
    public final Counter gcFreedBytes;
    public final Counter gcEvictedTasks;
    /** Reports that ended no assignment this supernode made (claims, not facts): ignored. */
    public final Counter reportsIgnored;
    /** Registrations answered 503 because too many were waiting for origins. */
    public final Counter registrationsRefused;
    /** FAILED tasks removed after {@code dfly.supernode.failed-task-ttl}. */
    public final Counter failedTasksExpired;
    /** Origin requests retried (5xx, reset, short body). */
    public final Counter originRetries;
    /** One back-to-source fetch of a task into the CDN, from its start to its end. */
    public final Timer originFetchTime;

    /** Kept in memory only (unit tests). */
    public SupernodeMetrics() {
        this(Meters.inMemory());
    }

    public SupernodeMetrics(Meters m) {
        bytesFromOrigin = m.counter("dfly_supernode_origin_bytes", "Bytes this member fetched from origins.");
        bytesServed = m.counter("dfly_supernode_served_bytes", "Piece bytes this member (its CDN) served to peers.");
        bytesServedByPeers = m.counter("dfly_supernode_peer_served_bytes",
                "Piece bytes peers reported (to this member) as received from other peers.");
        String failed = "Failed pieces reported to this member, by the kind of source that failed (supernode, peer).";
        pieceFailuresFromSupernodes = m.counter("dfly_supernode_piece_failures", failed, "source", "supernode");
        pieceFailuresFromPeers = m.counter("dfly_supernode_piece_failures", failed, "source", "peer");
        gcFreedBytes = m.counter("dfly_supernode_gc_freed_bytes", "Bytes freed by GC on this member.");
        gcEvictedTasks = m.counter("dfly_supernode_gc_evicted_tasks", "Tasks evicted by GC on this member.");
        reportsIgnored = m.counter("dfly_supernode_reports_ignored",
                "Piece reports that matched no assignment in flight (ignored).");
        registrationsRefused = m.counter("dfly_supernode_registrations_refused",
                "Registrations answered 503: too many waiting for origins on this member.");
        failedTasksExpired = m.counter("dfly_supernode_failed_tasks_expired", "FAILED tasks removed after the failed-task TTL.");
        originRetries = m.counter("dfly_supernode_origin_retries", "Origin requests this member retried.");
        originFetchTime = m.timer("dfly_supernode_origin_fetch", "Time of one back-to-source fetch of a task into the CDN");
    }

    /** A failed piece reported against {@code sourcePeerId}. */
    public void pieceFailed(String sourcePeerId) {
        (sourcePeerId != null && sourcePeerId.startsWith("supernode:") ? pieceFailuresFromSupernodes : pieceFailuresFromPeers)
                .increment();
    }

    /** Failed pieces reported to this member, whatever their source. */
    public long pieceFailures() {
        return pieceFailuresFromSupernodes.count() + pieceFailuresFromPeers.count();
    }
}
