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
