package io.dfly.supernode.task;

import java.util.Map;

/**
 * When each peer was last heard from: one small record per peer, shared by every member, written by the
 * peer's registrations and heartbeats. A heartbeat is one write here however many tasks the peer serves;
 * the tasks' records take it in only when they schedule ({@link PeersHeard}).
 */
public interface PeerLiveness {
    /** A peer registered: it is heard from now (its record is made if it has none). */
    void registered(String peerId, long nowMillis);

    /**
     * A heartbeat: the peer is heard from now. Only a peer that has a record (it registered) is changed, so
     * heartbeats with made-up peer ids store nothing. Returns whether the peer had a record.
     */
    boolean heartbeat(String peerId, long nowMillis);

    /** The peers last heard from before {@code beforeMillis}, with when (as many as there are such peers). */
    Map<String, Long> heardBefore(long beforeMillis);

    /** Drops the peer's record if it still says {@code lastHeardMillis} (it was not heard from since). */
    void forget(String peerId, long lastHeardMillis);

    /** Peers with a record. */
    int size();
}
