package io.dfly.supernode.task;

import io.dfly.scheduler.PeerState;
import io.dfly.scheduler.TaskSwarm;

import java.io.Serializable;
import java.util.Map;

/**
 * What the peers' heartbeats said, as of {@code asOfMillis}, carried into a task's entry processor: every peer
 * was heard from at {@code freshSince} or later except those in {@code late}, each with when it last was.
 * {@link #applyTo} brings the swarm's last-seen times up to that, so the scheduler's silence rules (not a
 * source after {@code dfly.supernode.peer-timeout}, removed after twice that) see heartbeats that never touched
 * the task's record. Small: {@code late} holds only peers that went silent and were not forgotten yet.
 *
 * <p>A peer with no liveness record (it never registered through this cluster, or its record was lost with
 * its backup) counts as heard at {@code freshSince}; its own pulls and reports still set its times, and failed
 * pieces from it still end its being a source ({@code peerMaxFailures}).
 */
public record PeersHeard(long freshSince, Map<String, Long> late) implements Serializable {
    public PeersHeard {
        late = Map.copyOf(late);
    }

    /** When the peer was last heard from, at the latest this says. */
    public long lastHeard(String peerId) {
        Long at = late.get(peerId);
        return at == null ? freshSince : at;
    }

    /** Raises each peer's last-seen time in the swarm to when it was last heard from (never lowers one). */
    public void applyTo(TaskSwarm swarm) {
        if (swarm == null) {
            return;
        }
        for (PeerState p : swarm.peers()) {
            if (!p.isSupernode()) {
                long heard = lastHeard(p.id());
                if (heard > p.lastSeenMillis()) {
                    swarm.touch(p.id(), heard);
                }
            }
        }
    }
}
