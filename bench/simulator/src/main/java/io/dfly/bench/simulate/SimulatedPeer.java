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
