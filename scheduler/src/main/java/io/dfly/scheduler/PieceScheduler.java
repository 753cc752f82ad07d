package io.dfly.scheduler;

import java.util.List;

/**
 * Decides which pieces a peer fetches next and from whom. Implementations are pure: they read the
 * swarm and return decisions; the caller records them with {@link TaskSwarm#recordAssignment}.
 * No I/O, no clock of their own (the time is passed in), so a simulation can drive them.
 */
public interface PieceScheduler {
    /**
     * @param swarm     the task's swarm
     * @param peerId    the asking peer (must already be in the swarm)
     * @param maxPieces how many assignments the peer can take now
     * @param nowMillis the current time
     * @return at most {@code maxPieces} assignments, for pieces the peer lacks and is not already fetching
     */
    List<Assignment> schedule(TaskSwarm swarm, String peerId, int maxPieces, long nowMillis);
}
