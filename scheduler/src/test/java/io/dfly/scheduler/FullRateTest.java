package io.dfly.scheduler;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Full-rate transfers (SchedulerLimits.flowMillis) at the shipped 3 up / 3 down: one flowing transfer per
 * end, the other slots only around a transfer that has run longer than flowMillis (a stall).
 */
class FullRateTest {
    private static final long NOW = 1_000_000;
    private static final long FLOW = SchedulerLimits.DEFAULT_FLOW_MILLIS;
    private static final String SEED = SeededSwarm.SEED;
    /** The supernode's limits: upload 3, fetch limit 3, full-rate on (starters first off: not under test). */
    private final SchedulerLimits limits = new SchedulerLimits(3, 50, 5, 30_000, 60_000).withStartersFirst(false)
            .withPeerFetchLimit(3).withFlowMillis(FLOW);
    private final RarestFirstScheduler scheduler = new RarestFirstScheduler(limits, new Random(5));
    private TaskSwarm swarm;

    @BeforeEach
    void setUp() {
        swarm = SeededSwarm.seeded(8, NOW);
    }

    private void peer(String id, int... pieces) {
        SeededSwarm.join(swarm, id, NOW, pieces);
    }

    private List<Assignment> pullAndRecord(String id, int max, long now) {
        return SeededSwarm.pullAndRecord(scheduler, swarm, id, max, now);
    }

    /** Keeps every peer heard from (the silence rule is not under test). */
    private void touchAll(long now) {
        for (PeerState p : swarm.peers()) {
            swarm.touch(p.id(), now);
        }
    }

    @Test
    void aPeerAskingForThreeGetsOneWhileItFlows() {
        peer("a", 0, 1);
        peer("b", 2, 3);
        peer("c", 4, 5);
        peer("me");
        List<Assignment> first = pullAndRecord("me", 3, NOW);
        assertEquals(1, first.size(), "three idle holders, but one piece at a time: " + first);
        assertEquals(List.of(), scheduler.schedule(swarm, "me", 2, NOW + FLOW - 1), "its fetch is still young");
        Assignment a = first.get(0);
        assertTrue(swarm.report("me", a.pieceNum(), a.sourcePeerId(), true, NOW + 10));
        assertEquals(1, pullAndRecord("me", 3, NOW + 10).size(), "landed: the next one at once");
    }

    @Test
    void aStalledFetchStopsBlockingAfterFlowMillisAndTheFetchLimitStillHolds() {
        peer("a", 0, 1);
        peer("b", 2, 3);
        peer("c", 4, 5);
        peer("d", 6, 7);
        peer("me");
        assertEquals(1, pullAndRecord("me", 3, NOW).size());
        // the first source trickles: after flowMillis its piece no longer holds the peer's other slots
        long t = NOW + FLOW;
        touchAll(t);
        assertEquals(1, pullAndRecord("me", 2, t).size(), "a second fetch around the stalled one");
        assertEquals(List.of(), scheduler.schedule(swarm, "me", 1, t + 1), "the second one flows");
        t += FLOW;
        touchAll(t);
        assertEquals(1, pullAndRecord("me", 1, t).size(), "both stalled: the third slot");
        t += FLOW;
        touchAll(t);
        assertEquals(List.of(), scheduler.schedule(swarm, "me", 3, t), "the fetch limit (3) counts stalled fetches too");
        assertEquals(3, swarm.peer("me").fetchingCount());
    }

    @Test
    void aSourceServesOneDownloaderWhileItsUploadFlows() {
        peer("src", 0, 1, 2, 3, 4, 5, 6, 7);
        peer("x");
        peer("y");
        assertEquals("src", pullAndRecord("x", 3, NOW).get(0).sourcePeerId());
        // src is y's only peer source (the seed serves only when no peer can)
        List<Assignment> y = scheduler.schedule(swarm, "y", 3, NOW + 1);
        assertTrue(y.stream().noneMatch(a -> a.sourcePeerId().equals("src")), "src's one upload is flowing: " + y);
        long t = NOW + FLOW;
        touchAll(t);
        List<Assignment> later = pullAndRecord("y", 3, t);
        assertEquals(1, later.size());
        assertEquals("src", later.get(0).sourcePeerId(), "src's upload stalled: its next slot is free");
        assertEquals(2, swarm.peer("src").uploading());
    }

    @Test
    void anIdleSourceIsPreferredToOneWithAStalledUpload() {
        peer("slow", 0, 1, 2, 3, 4, 5, 6, 7);
        peer("fast", 0, 1, 2, 3, 4, 5, 6, 7);
        peer("x");
        peer("me");
        // x is given a piece by one of them; let that upload stall
        String first = pullAndRecord("x", 3, NOW).get(0).sourcePeerId();
        long t = NOW + FLOW;
        touchAll(t);
        List<Assignment> mine = pullAndRecord("me", 3, t);
        assertEquals(1, mine.size());
        assertNotEquals(first, mine.get(0).sourcePeerId(), "the holder without a stalled upload");
    }

    @Test
    void theSeedSendsOneFlowingPieceAtATime() {
        peer("x");
        peer("y");
        peer("z");
        assertEquals(SEED, pullAndRecord("x", 3, NOW).get(0).sourcePeerId());
        assertEquals(List.of(), scheduler.schedule(swarm, "y", 3, NOW + 1), "the seed's one upload flows");
        long t = NOW + FLOW;
        touchAll(t);
        assertEquals(SEED, pullAndRecord("y", 3, t).get(0).sourcePeerId(), "stalled: the seed's next slot");
        assertEquals(SEED, pullAndRecord("z", 3, t + FLOW).get(0).sourcePeerId());
        assertEquals(List.of(), scheduler.schedule(swarm, "z", 3, t + 3 * FLOW),
                "effective seed upload limit 3 holds, stalled uploads included");
    }

    @Test
    void offByDefaultAndEveryOtherConstructorKeepsItOff() {
        assertEquals(0, new SchedulerLimits(3, 50, 5, 30_000, 60_000).flowMillis());
        assertEquals(0, new SchedulerLimits(3, 50, 5, 30_000, 60_000, 3, 1, 3_000, true, 3).flowMillis());
        SchedulerLimits l = new SchedulerLimits(2, 9, 4, 1_000, 2_000, 5, 1, 3_000, false).withPeerFetchLimit(2)
                .withFlowMillis(250);
        assertEquals(250, l.flowMillis());
        assertEquals(250, l.withStartersFirst(true).withPeerFetchLimit(3).flowMillis(), "the withers keep it");
        assertThrows(IllegalArgumentException.class, () -> l.withFlowMillis(-1));
        // off: a pull for three gets three at once, as before
        SchedulerLimits off = limits.withFlowMillis(0);
        peer("a", 0, 1);
        peer("b", 2, 3);
        peer("c", 4, 5);
        peer("me");
        assertEquals(3, new RarestFirstScheduler(off, new Random(5)).schedule(swarm, "me", 3, NOW).size());
    }

    @Test
    void uploadTimesFollowAssignmentsThatEndOrExpire() {
        peer("src", 0, 1, 2, 3, 4, 5, 6, 7);
        peer("x");
        peer("y");
        Assignment a = pullAndRecord("x", 3, NOW).get(0);
        long t = NOW + FLOW;
        touchAll(t);
        Assignment b = pullAndRecord("y", 3, t).get(0);
        assertEquals("src", b.sourcePeerId());
        PeerState src = swarm.peer("src");
        assertEquals(1, src.uploadsYoungerThan(t, FLOW), "y's upload is young");
        assertTrue(swarm.report("y", b.pieceNum(), "src", true, t + 10));
        assertEquals(0, src.uploadsYoungerThan(t + 10, FLOW), "y's upload ended; x's is old");
        assertEquals(1, src.uploading());
        swarm.expireInFlight(NOW + 60_001, 60_000);
        assertEquals(0, src.uploading(), "x's assignment expired");
        assertEquals(0, src.uploadsYoungerThan(NOW + 60_001, Long.MAX_VALUE));
        assertTrue(!swarm.report("x", a.pieceNum(), "src", true, NOW + 60_002), "an expired assignment is no fact");
    }

    @Test
    void theFlowStateSurvivesSerialization() throws Exception {
        peer("src", 0, 1, 2, 3, 4, 5, 6, 7);
        peer("x");
        peer("y");
        assertEquals("src", pullAndRecord("x", 3, NOW).get(0).sourcePeerId());
        // Hazelcast keeps the task record (and its swarm) Java-serialized
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
            out.writeObject(swarm);
        }
        try (java.io.ObjectInputStream in = new java.io.ObjectInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
            swarm = (TaskSwarm) in.readObject();
        }
        assertEquals(1, swarm.peer("src").uploadsYoungerThan(NOW + 1, FLOW), "src's upload is still young");
        assertEquals(List.of(), scheduler.schedule(swarm, "x", 2, NOW + 1), "x's fetch is still young");
        assertTrue(scheduler.schedule(swarm, "y", 3, NOW + 1).stream().noneMatch(a -> a.sourcePeerId().equals("src")));
    }
}
