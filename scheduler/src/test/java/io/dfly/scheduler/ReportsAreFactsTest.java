package io.dfly.scheduler;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A report counts only when it ends an assignment the swarm made; peers that are gone leave no state behind. */
class ReportsAreFactsTest {
    private static final long NOW = 1_000_000;
    private static final String SEED = SeededSwarm.SEED;
    private final SchedulerLimits limits = new SchedulerLimits(3, 50, 2, 30_000, 60_000);
    private final RarestFirstScheduler scheduler = new RarestFirstScheduler(limits, new Random(5));
    private TaskSwarm swarm;

    @BeforeEach
    void setUp() {
        swarm = SeededSwarm.seeded(4, NOW);
    }

    private void peer(String id) {
        swarm.join(id, "http://" + id, false, NOW);
    }

    @Test
    void aSuccessWithoutAnAssignmentMakesNobodyASource() {
        peer("liar");
        peer("honest");
        for (int n = 0; n < 4; n++) {
            assertFalse(swarm.report("liar", n, SEED, true, NOW), "no assignment: ignored");
        }
        assertEquals(0, swarm.peer("liar").pieceCount());
        assertEquals(0, swarm.peerHolderCount(0));
        List<Assignment> got = scheduler.schedule(swarm, "honest", 4, NOW);
        assertTrue(got.stream().noneMatch(a -> a.sourcePeerId().equals("liar")), got.toString());
    }

    @Test
    void aSuccessNamingAnotherSourceThanTheAssignmentsIsIgnored() {
        peer("a");
        peer("b");
        swarm.recordAssignment("b", new Assignment(2, SEED, "http://seed"), NOW);
        assertFalse(swarm.report("b", 2, "a", true, NOW));
        assertFalse(swarm.peer("b").has(2));
        assertTrue(swarm.isInFlight("b", 2), "the real assignment is still in flight");
        assertTrue(swarm.report("b", 2, SEED, true, NOW));
        assertTrue(swarm.peer("b").has(2));
        assertFalse(swarm.report("b", 2, SEED, true, NOW), "a second report on the same assignment changes nothing");
    }

    @Test
    void onlyTheDownloaderOfAnAssignmentCanCountAFailureAgainstItsSource() {
        peer("source");
        swarm.recordAssignment("source", new Assignment(0, SEED, "http://seed"), NOW);
        swarm.report("source", 0, SEED, true, NOW);
        peer("downloader");
        peer("forger");
        swarm.recordAssignment("downloader", new Assignment(0, "source", "http://source"), NOW);
        for (int i = 0; i < 10; i++) {
            assertFalse(swarm.report("forger", 0, "source", false, NOW));
        }
        assertEquals(0, swarm.peer("source").failures());
        assertTrue(swarm.report("downloader", 0, "source", false, NOW));
        assertEquals(1, swarm.peer("source").failures());
        assertFalse(swarm.report("downloader", 0, "source", false, NOW), "one assignment, one failure");
        assertEquals(1, swarm.peer("source").failures());
    }

    @Test
    void failuresNeverCountAgainstTheSupernode() {
        peer("p");
        for (int i = 0; i < 10; i++) {
            List<Assignment> got = scheduler.schedule(swarm, "p", 1, NOW);
            assertEquals(SEED, got.get(0).sourcePeerId());
            swarm.recordAssignment("p", got.get(0), NOW);
            assertTrue(swarm.report("p", got.get(0).pieceNum(), SEED, false, NOW), "the assignment ends");
        }
        assertEquals(0, swarm.peer(SEED).failures());
        assertEquals(0, swarm.peer(SEED).uploading(), "its slots were freed");
        assertTrue(swarm.peer(SEED).canServe(limits, NOW));
    }

    @Test
    void aRemovedPeersSlotIsReusedCleanly() {
        peer("a");
        swarm.recordAssignment("a", new Assignment(1, SEED, "http://seed"), NOW);
        swarm.report("a", 1, SEED, true, NOW);
        swarm.recordAssignment("a", new Assignment(2, SEED, "http://seed"), NOW);
        assertEquals(1, swarm.peerHolderCount(1));
        assertEquals(1, swarm.inFlightCount(2));
        assertTrue(swarm.remove("a"));
        assertNull(swarm.peer("a"));
        assertEquals(0, swarm.peerHolderCount(1));
        assertEquals(0, swarm.inFlightCount(2));
        assertEquals(0, swarm.peer(SEED).uploading());
        assertFalse(swarm.remove(SEED), "a seed is never removed");
        peer("b");
        assertEquals(2, swarm.memberCount(), "b took a's slot");
        assertEquals(0, swarm.peer("b").pieceCount());
        assertEquals(0, swarm.peerHolderCount(1));
        assertEquals(1, swarm.waitingStarterCount(NOW));
        peer("c");
        List<Assignment> forC = scheduler.schedule(swarm, "c", 4, NOW);
        assertTrue(forC.stream().noneMatch(x -> x.sourcePeerId().equals("b")), forC.toString());
    }

    @Test
    void peersThatLeftOrWentSilentAreDropped() {
        peer("left");
        peer("silent");
        peer("alive");
        swarm.leave("left");
        long later = NOW + 61_000;
        swarm.touch("alive", later);
        assertEquals(2, swarm.dropGone(later, 60_000));
        assertNull(swarm.peer("left"));
        assertNull(swarm.peer("silent"));
        assertTrue(swarm.peer("alive") != null);
        assertTrue(swarm.peer(SEED) != null, "seeds stay");
        peer("left");
        swarm.leave("left");
        assertEquals(0, swarm.dropGone(later + 10, 60_000), "sweeps at most every max(1 s, timeout / 8)");
        assertEquals(1, swarm.dropGone(later + 7_500, 60_000));
    }

    @Test
    void aSeedThatComesBackHoldsOnlyWhatItPublishesAgain() {
        swarm.leave(SEED);
        swarm.join(SEED, "http://seed", true, NOW);
        assertEquals(0, swarm.peer(SEED).pieceCount());
        swarm.addPiece(SEED, 3);
        assertEquals(1, swarm.holderCount(3));
        assertEquals(0, swarm.holderCount(0));
    }
}
