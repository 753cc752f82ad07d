package io.dfly.scheduler;

import java.util.List;

/**
 * The scheduler tests' swarm: every piece published and held by one seed (a supernode member), peers that join
 * holding some pieces, and pulls that record their assignments as the supernode does.
 */
final class SeededSwarm {
    static final String SEED = "supernode:10.0.0.1:8002";

    /** A swarm of {@code pieces} 4-byte pieces, all on {@link #SEED}, which joined at {@code now}. */
    static TaskSwarm seeded(int pieces, long now) {
        TaskSwarm swarm = new TaskSwarm("t", 4);
        swarm.setContentLength(4L * pieces);
        swarm.join(SEED, "http://seed", true, now);
        for (int n = 0; n < pieces; n++) {
            swarm.publishDigest(n, "sha256:" + n);
            swarm.addPiece(SEED, n);
        }
        return swarm;
    }

    /** Peer {@code id} joins at {@code now}, holding {@code pieces}. */
    static void join(TaskSwarm swarm, String id, long now, int... pieces) {
        swarm.join(id, "http://" + id, false, now);
        for (int n : pieces) {
            swarm.addPiece(id, n);
        }
    }

    /** One pull of {@code id}, its assignments recorded in the swarm. */
    static List<Assignment> pullAndRecord(RarestFirstScheduler scheduler, TaskSwarm swarm, String id, int max, long now) {
        List<Assignment> got = scheduler.schedule(swarm, id, max, now);
        for (Assignment a : got) {
            swarm.recordAssignment(id, a, now);
        }
        return got;
    }

    private SeededSwarm() {
    }
}
