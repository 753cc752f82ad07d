package io.dfly.supernode.dashboard;

import java.io.Serializable;
import java.util.List;

/**
 * What {@code GET /api/v1/dashboard} answers (and the page at {@code /ui/} shows): the cluster's members, its
 * tasks with their swarms, bytes delivered by peers vs supernodes, this member's counters and recent failures.
 * Nothing here is a credential: task URLs are shown as {@link io.dfly.core.security.SafeUrls#display} does
 * (no query string, no user info), and no origin header is read at all. Every list is bounded.
 *
 * @param generatedAtMillis when the snapshot was taken (this member's clock)
 * @param answeredBy        the id of the member that answered
 * @param members           the Hazelcast members now in the cluster
 * @param totals            sums over every task (not only the ones shown)
 * @param thisMember        counters of the answering member since it started
 * @param tasks             at most {@link DashboardService#MAX_TASKS}: running ones first, then the most recently used
 * @param failures          at most {@link DashboardService#MAX_FAILURES}, newest first
 */
public record Dashboard(long generatedAtMillis, String answeredBy, List<Member> members, Totals totals,
                        MemberCounters thisMember, List<Task> tasks, List<Failure> failures) {

    /** A supernode member of the Hazelcast cluster: its id, its cluster address, whether it answered this. */
    public record Member(String id, String address, boolean local) {
    }

    /**
     * @param tasks               tasks in the cluster
     * @param tasksShown          how many of them {@link #tasks()} lists
     * @param activeTasks         tasks with a download that may be running
     * @param peers               peers in all swarms (not counting supernodes and peers that left)
     * @param bytesFromPeers      piece bytes peers received from other peers (accepted reports)
     * @param bytesFromSupernodes piece bytes peers received from supernode members' CDN copies
     */
    public record Totals(int tasks, int tasksShown, int activeTasks, int peers, long bytesFromPeers,
                         long bytesFromSupernodes) {
    }

    /**
     * @param originBytes          bytes this member fetched from origins
     * @param servedBytes          piece bytes this member served to peers
     * @param pieceFailures        failed pieces reported to this member
     * @param originRetries        origin requests this member retried
     * @param registrationsRefused registrations answered 503 (too many waiting for origins)
     */
    public record MemberCounters(long originBytes, long servedBytes, long pieceFailures, long originRetries,
                                 long registrationsRefused) {
    }

    /**
     * One task.
     *
     * @param name         its URL without query string or user info, else its digest, else its id
     * @param seededPieces pieces already on a supernode (the CDN copy's progress)
     * @param peers        at most {@link DashboardService#MAX_PEERS_PER_TASK} of its peers, unfinished ones first
     * @param seeds        supernode members holding a CDN copy
     * @param reason       why it failed (FAILED only)
     */
    public record Task(String taskId, String name, String status, long contentLength, int pieceCount,
                       int seededPieces, int peerCount, int completedPeers, List<Peer> peers, int seeds,
                       long bytesFromPeers, long bytesFromSupernodes, boolean active, long lastAccessMillis,
                       String reason) implements Serializable {
        /** The same task with these peers. */
        public Task withPeers(List<Peer> peers) {
            return new Task(taskId, name, status, contentLength, pieceCount, seededPieces, peerCount, completedPeers,
                    peers, seeds, bytesFromPeers, bytesFromSupernodes, active, lastAccessMillis, reason);
        }
    }

    /** A peer in a task's swarm: pieces it holds, failures counted against it as a source, when it was last heard. */
    public record Peer(String id, int pieces, boolean complete, int failures, long lastSeenMillis) implements Serializable {
    }

    /**
     * A task that FAILED ({@code kind} "task") or a failed piece report ({@code kind} "piece").
     *
     * @param detail what went wrong, in words
     */
    public record Failure(long atMillis, String kind, String taskId, String name, String detail) implements Serializable {
    }
}
