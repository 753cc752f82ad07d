package io.dfly.scheduler;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RarestFirstSchedulerTest {
    private static final long NOW = 1_000_000;
    private static final String SEED = "supernode:10.0.0.1:8002";
    private final SchedulerLimits limits = new SchedulerLimits(2, 100, 3, 30_000, 60_000);
    private final RarestFirstScheduler scheduler = new RarestFirstScheduler(limits, new Random(42));
    private TaskSwarm swarm;

    @BeforeEach
    void setUp() {
        swarm = new TaskSwarm("t", 4);
        swarm.setContentLength(4 * 4);
        swarm.join(SEED, "http://seed", true, NOW);
        for (int n = 0; n < 4; n++) {
            swarm.publishDigest(n, "sha256:" + n);
            swarm.addPiece(SEED, n);
        }
    }

    private void peerWith(String id, int... pieces) {
        swarm.join(id, "http://" + id, false, NOW);
        for (int n : pieces) {
            swarm.addPiece(id, n);
        }
    }

    @Test
    void rarestPieceComesFirst() {
        peerWith("a", 0, 1, 2);
        peerWith("b", 0, 1);
        peerWith("c", 0);
        peerWith("me");
        // holders besides the seed: piece 0 by 3 peers, piece 1 by 2, piece 2 by 1, piece 3 by none
        List<Assignment> got = scheduler.schedule(swarm, "me", 4, NOW);
        assertEquals(List.of(3, 2, 1, 0), got.stream().map(Assignment::pieceNum).toList());
    }

    @Test
    void supernodeOnlyWhenNoPeerCanServe() {
        peerWith("a", 0, 1, 2, 3);
        peerWith("me");
        List<Assignment> got = scheduler.schedule(swarm, "me", 4, NOW);
        // peer a serves 2 (its cap), the supernode the other 2
        assertEquals(2, got.stream().filter(a -> a.sourcePeerId().equals("a")).count());
        assertEquals(2, got.stream().filter(a -> a.sourcePeerId().equals(SEED)).count());
    }

    @Test
    void leastLoadedHolderAndUploadCapRespected() {
        peerWith("a", 0, 1, 2, 3);
        peerWith("b", 0, 1, 2, 3);
        peerWith("x");
        for (Assignment a : scheduler.schedule(swarm, "x", 1, NOW)) {
            swarm.recordAssignment("x", a, NOW);
        }
        peerWith("me");
        List<Assignment> got = scheduler.schedule(swarm, "me", 4, NOW);
        long fromA = got.stream().filter(a -> a.sourcePeerId().equals("a")).count();
        long fromB = got.stream().filter(a -> a.sourcePeerId().equals("b")).count();
        PeerState busy = swarm.peer("a").uploading() == 1 ? swarm.peer("a") : swarm.peer("b");
        // cap 2 per peer: the busy one takes only one more, the idle one two, the supernode the rest
        assertEquals(3, fromA + fromB);
        assertEquals(1, busy.id().equals("a") ? fromA : fromB);
        assertEquals(1, got.stream().filter(a -> a.sourcePeerId().equals(SEED)).count());
    }

    @Test
    void failedSilentAndLeftPeersAreSkipped() {
        peerWith("failing", 0, 1, 2, 3);
        peerWith("silent", 0, 1, 2, 3);
        peerWith("gone", 0, 1, 2, 3);
        peerWith("me");
        for (int i = 0; i < limits.peerMaxFailures(); i++) {
            // each failure is the downloader's report on an assignment from that source
            swarm.recordAssignment("me", new Assignment(i % 4, "failing", "http://failing"), NOW);
            swarm.report("me", i % 4, "failing", false, NOW);
        }
        swarm.leave("gone");
        long later = NOW + limits.peerTimeoutMillis() + 1;
        swarm.touch("failing", later);
        swarm.touch("gone", later);
        // every piece the seed may send at once comes from the seed: none of the three peers is used
        int seedSlots = limits.effectiveSeedUploadLimit();
        List<Assignment> got = scheduler.schedule(swarm, "me", 4, later);
        assertEquals(Math.min(4, seedSlots), got.size());
        assertTrue(got.stream().allMatch(a -> a.sourcePeerId().equals(SEED)), got.toString());
    }

    @Test
    void heartbeatKeepsAPeerASource() {
        peerWith("a", 0, 1, 2, 3);
        peerWith("me");
        long later = NOW + limits.peerTimeoutMillis() + 1;
        swarm.touch("a", later);
        assertTrue(scheduler.schedule(swarm, "me", 4, later).stream().anyMatch(a -> a.sourcePeerId().equals("a")));
    }

    @Test
    void successfulReportMakesASourceAtOnce() {
        peerWith("a");
        peerWith("me");
        assertEquals(0, swarm.holderCount(3) - 1);
        swarm.recordAssignment("a", new Assignment(3, SEED, "http://seed"), NOW);
        swarm.report("a", 3, SEED, true, NOW);
        List<Assignment> got = scheduler.schedule(swarm, "me", 4, NOW);
        assertTrue(got.contains(new Assignment(3, "a", "http://a")), got.toString());
    }

    @Test
    void piecesHeldOrInFlightOrUnpublishedAreNotAssigned() {
        TaskSwarm s = new TaskSwarm("t", 4);
        s.join(SEED, "http://seed", true, NOW);
        s.publishDigest(0, "sha256:0");
        s.publishDigest(1, "sha256:1");
        s.addPiece(SEED, 0);
        s.addPiece(SEED, 1);
        s.join("me", "http://me", false, NOW);
        s.addPiece("me", 0);
        List<Assignment> first = scheduler.schedule(s, "me", 4, NOW);
        assertEquals(List.of(1), first.stream().map(Assignment::pieceNum).toList());
        s.recordAssignment("me", first.get(0), NOW);
        assertEquals(List.of(), scheduler.schedule(s, "me", 4, NOW));
        // an assignment never reported on expires and the piece is offered again
        s.expireInFlight(NOW + 61_000, 60_000);
        assertEquals(1, scheduler.schedule(s, "me", 4, NOW + 61_000).size());
    }

    @Test
    void seededRandomIsDeterministic() {
        for (int i = 0; i < 20; i++) {
            peerWith("p" + i, i % 4);
        }
        peerWith("me");
        List<Assignment> one = new RarestFirstScheduler(limits, new Random(7)).schedule(swarm, "me", 4, NOW);
        List<Assignment> two = new RarestFirstScheduler(limits, new Random(7)).schedule(swarm, "me", 4, NOW);
        assertEquals(one, two);
        assertNotEquals(0, one.size());
    }
}
