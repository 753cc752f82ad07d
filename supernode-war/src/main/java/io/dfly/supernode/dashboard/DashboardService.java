package io.dfly.supernode.dashboard;

import io.dfly.core.protocol.TaskStatus;
import io.dfly.scheduler.PeerState;
import io.dfly.scheduler.TaskSwarm;
import io.dfly.supernode.task.TaskAction.Result;
import io.dfly.supernode.task.TaskRecord;
import io.dfly.supernode.task.TaskStore;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Builds the {@link Dashboard} snapshot from the task store (each task read where it lives), the cluster's
 * members and this member's counters. Plain Java: the JAX-RS resource only returns {@link #snapshot()}.
 */
public final class DashboardService {
    /** Tasks listed (the totals count them all). */
    public static final int MAX_TASKS = 100;
    /** Peers listed per task (the task's peer count counts them all). */
    public static final int MAX_PEERS_PER_TASK = 20;
    /** Recent failures listed. */
    public static final int MAX_FAILURES = 20;

    private final TaskStore store;
    private final Supplier<List<Dashboard.Member>> members;
    private final Supplier<Dashboard.MemberCounters> counters;
    private final String memberId;
    private final long peerTimeoutMillis;
    private final LongSupplier clock;

    public DashboardService(TaskStore store, Supplier<List<Dashboard.Member>> members,
                            Supplier<Dashboard.MemberCounters> counters, String memberId, long peerTimeoutMillis,
                            LongSupplier clock) {
        this.store = store;
        this.members = members;
        this.counters = counters;
        this.memberId = memberId;
        this.peerTimeoutMillis = peerTimeoutMillis;
        this.clock = clock;
    }

    /** What one task contributes, computed where the task lives (only this crosses the cluster). */
    record Row(Dashboard.Task task, List<Dashboard.Failure> failures) implements Serializable {
    }

    public Dashboard snapshot() {
        long now = clock.getAsLong();
        long timeout = peerTimeoutMillis;
        Collection<Row> rows = store.readAll(r -> Result.of(r, r == null ? null : row(r, now, timeout))).values();
        List<Dashboard.Task> tasks = new ArrayList<>();
        List<Dashboard.Failure> failures = new ArrayList<>();
        int active = 0;
        int peers = 0;
        long fromPeers = 0;
        long fromSupernodes = 0;
        for (Row row : rows) {
            if (row == null) {
                continue;
            }
            Dashboard.Task t = row.task();
            tasks.add(t);
            failures.addAll(row.failures());
            active += t.active() ? 1 : 0;
            peers += t.peerCount();
            fromPeers += t.bytesFromPeers();
            fromSupernodes += t.bytesFromSupernodes();
        }
        tasks.sort(Comparator.comparing(Dashboard.Task::active).reversed()
                .thenComparing(Comparator.comparingLong(Dashboard.Task::lastAccessMillis).reversed())
                .thenComparing(Dashboard.Task::taskId));
        failures.sort(Comparator.comparingLong(Dashboard.Failure::atMillis).reversed()
                .thenComparing(Dashboard.Failure::taskId));
        List<Dashboard.Task> shown = heard(tasks.subList(0, Math.min(MAX_TASKS, tasks.size())));
        Dashboard.Totals totals = new Dashboard.Totals(tasks.size(), shown.size(), active, peers, fromPeers, fromSupernodes);
        List<Dashboard.Member> cluster = new ArrayList<>(members.get());
        cluster.sort(Comparator.comparing(Dashboard.Member::address));
        return new Dashboard(now, memberId, List.copyOf(cluster), totals, counters.get(), shown,
                List.copyOf(failures.subList(0, Math.min(MAX_FAILURES, failures.size()))));
    }

    /**
     * The tasks with each peer's last-seen time raised to its last heartbeat (heartbeats write the peer's
     * liveness record, not the tasks').
     */
    private List<Dashboard.Task> heard(List<Dashboard.Task> tasks) {
        Map<String, Long> heard = store.peers().heardBefore(Long.MAX_VALUE);
        List<Dashboard.Task> out = new ArrayList<>(tasks.size());
        for (Dashboard.Task t : tasks) {
            List<Dashboard.Peer> peers = t.peers().stream()
                    .map(p -> new Dashboard.Peer(p.id(), p.pieces(), p.complete(), p.failures(),
                            Math.max(p.lastSeenMillis(), heard.getOrDefault(p.id(), Long.MIN_VALUE))))
                    .toList();
            out.add(t.withPeers(peers));
        }
        return List.copyOf(out);
    }

    /** A task's row: its URL as shown (never the sealed one), its swarm's peers, its failures. */
    static Row row(TaskRecord r, long now, long peerTimeoutMillis) {
        String name = name(r);
        TaskSwarm swarm = r.swarm();
        int pieceCount = r.pieceCount();
        List<Dashboard.Peer> peers = new ArrayList<>();
        int peerCount = 0;
        int completed = 0;
        if (swarm != null) {
            for (PeerState p : swarm.peers()) {
                if (p.isSupernode() || p.hasLeft()) {
                    continue;
                }
                peerCount++;
                boolean complete = pieceCount >= 0 && p.pieceCount() >= pieceCount;
                completed += complete ? 1 : 0;
                peers.add(new Dashboard.Peer(p.id(), p.pieceCount(), complete, p.failures(), p.lastSeenMillis()));
            }
        }
        peers.sort(Comparator.comparing(Dashboard.Peer::complete).thenComparing(Dashboard.Peer::id));
        List<Dashboard.Failure> failures = new ArrayList<>();
        if (r.status() == TaskStatus.FAILED) {
            failures.add(new Dashboard.Failure(r.failedAtMillis(), "task", r.taskId(), name,
                    Objects.requireNonNullElse(r.failReason(), "failed")));
        }
        for (TaskRecord.PieceFailure f : r.recentFailures()) {
            failures.add(new Dashboard.Failure(f.atMillis(), "piece", r.taskId(), name,
                    "peer " + f.peerId() + " could not fetch piece " + f.piece() + " from " + f.sourcePeerId()));
        }
        Dashboard.Task task = new Dashboard.Task(r.taskId(), name, r.status().name(), r.contentLength(), pieceCount,
                swarm == null ? 0 : swarm.publishedPieces(), peerCount, completed,
                List.copyOf(peers.subList(0, Math.min(MAX_PEERS_PER_TASK, peers.size()))), r.seedSources().size(),
                r.bytesFromPeers(), r.bytesFromSupernodes(), r.isActive(now, peerTimeoutMillis), r.lastAccessMillis(),
                r.status() == TaskStatus.FAILED ? r.failReason() : null);
        return new Row(task, List.copyOf(failures));
    }

    /** The URL without query string or user info ({@code TaskRecord#displayUrl}), else the digest, else the id. */
    static String name(TaskRecord r) {
        String url = r.displayUrl();
        if (url != null && !url.isBlank()) {
            return url;
        }
        String digest = r.fileDigest();
        return digest != null && !digest.isBlank() ? digest : r.taskId();
    }
}
