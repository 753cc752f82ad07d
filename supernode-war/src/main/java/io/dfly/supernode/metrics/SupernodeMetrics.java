package io.dfly.supernode.metrics;

import java.util.concurrent.atomic.AtomicLong;

/** Counters of this member, rendered in Prometheus text format by the metrics endpoint. */
public final class SupernodeMetrics {
    public final AtomicLong bytesFromOrigin = new AtomicLong();
    public final AtomicLong bytesServed = new AtomicLong();
    public final AtomicLong bytesServedByPeers = new AtomicLong();
    public final AtomicLong pieceFailures = new AtomicLong();
    public final AtomicLong gcFreedBytes = new AtomicLong();
    public final AtomicLong gcEvictedTasks = new AtomicLong();
    /** Reports that ended no assignment this supernode made (claims, not facts): ignored. */
    public final AtomicLong reportsIgnored = new AtomicLong();
    /** Registrations answered 503 because too many were waiting for origins. */
    public final AtomicLong registrationsRefused = new AtomicLong();
    /** FAILED tasks removed after {@code dfly.supernode.failed-task-ttl}. */
    public final AtomicLong failedTasksExpired = new AtomicLong();
    /** Origin requests retried (5xx, reset, short body). */
    public final AtomicLong originRetries = new AtomicLong();

    /** Prometheus exposition text; {@code tasks} and {@code peers} are gauges read from the cluster. */
    public String render(long tasks, long peers, long activeTasks) {
        StringBuilder sb = new StringBuilder();
        gauge(sb, "dfly_supernode_tasks", "Tasks known to the cluster.", tasks);
        gauge(sb, "dfly_supernode_active_tasks", "Tasks with a download running.", activeTasks);
        gauge(sb, "dfly_supernode_peers", "Peers in all swarms (not counting peers that left).", peers);
        counter(sb, "dfly_supernode_origin_bytes_total", "Bytes this member fetched from origins.", bytesFromOrigin.get());
        counter(sb, "dfly_supernode_served_bytes_total", "Piece bytes this member served to peers.", bytesServed.get());
        counter(sb, "dfly_supernode_peer_served_bytes_total",
                "Piece bytes peers reported (to this member) as received from other peers.", bytesServedByPeers.get());
        counter(sb, "dfly_supernode_piece_failures_total", "Failed pieces reported to this member.", pieceFailures.get());
        counter(sb, "dfly_supernode_gc_freed_bytes_total", "Bytes freed by GC on this member.", gcFreedBytes.get());
        counter(sb, "dfly_supernode_gc_evicted_tasks_total", "Tasks evicted by GC on this member.", gcEvictedTasks.get());
        counter(sb, "dfly_supernode_reports_ignored_total",
                "Piece reports that matched no assignment in flight (ignored).", reportsIgnored.get());
        counter(sb, "dfly_supernode_registrations_refused_total",
                "Registrations answered 503: too many waiting for origins on this member.", registrationsRefused.get());
        counter(sb, "dfly_supernode_failed_tasks_expired_total", "FAILED tasks removed after the failed-task TTL.",
                failedTasksExpired.get());
        counter(sb, "dfly_supernode_origin_retries_total", "Origin requests this member retried.", originRetries.get());
        return sb.toString();
    }

    private static void gauge(StringBuilder sb, String name, String help, long v) {
        sb.append("# HELP ").append(name).append(' ').append(help).append('\n')
                .append("# TYPE ").append(name).append(" gauge\n").append(name).append(' ').append(v).append('\n');
    }

    private static void counter(StringBuilder sb, String name, String help, long v) {
        sb.append("# HELP ").append(name).append(' ').append(help).append('\n')
                .append("# TYPE ").append(name).append(" counter\n").append(name).append(' ').append(v).append('\n');
    }
}
