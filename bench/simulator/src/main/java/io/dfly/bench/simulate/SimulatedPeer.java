package io.dfly.bench.simulate;

import java.util.BitSet;

/** One downloading peer as the simulation sees it (what it holds, what it fetches, when it asks). */
final class SimulatedPeer {
    final int node;
    final String id;
    final double arrival;
    final BitSet have = new BitSet();
    int inFlight;
    /** Bumped whenever a pending pull is superseded; a pull event with an older version is ignored. */
    int pullVersion;
    /** Time of the pull already queued at the current instant (avoids two pulls at one instant). */
    double pullQueuedAt = -1;
    double completedAt = -1;
    /** Hold model: this peer's pull is held on the supernode (the engine's loop is blocked in it). */
    boolean holding;
    /** Its waiter is armed (in the task's wake list); false while a wake-up's re-run is pending. */
    boolean armed;
    double holdDeadline;
    /** The held pull's maxPieces (free slots when the engine sent it). */
    int holdMax;
    /** Bumped per hold; a hold-timeout or re-run event with an older version is ignored. */
    int holdVersion;
    /** Neighbours in the wake list (node - 1 indices, -1 = none). */
    int waitPrev = -1;
    int waitNext = -1;
    long bytesFromSeed;
    long bytesFromPeers;

    SimulatedPeer(int node, String id, double arrival) {
        this.node = node;
        this.id = id;
        this.arrival = arrival;
    }

    boolean done() {
        return completedAt >= 0;
    }

    double downloadSeconds() {
        return completedAt - arrival;
    }
}
