package io.dfly.scheduler;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.BitSet;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The seed's capacity goes to new pieces; peers trade the rest; nobody starves. */
class SuperSeedingTest {
    private static final long NOW = 1_000_000;
    private static final String SEED = SeededSwarm.SEED;
    private static final long DUP_AFTER = 3_000;
    private final SchedulerLimits limits = new SchedulerLimits(5, 50, 5, 30_000, 60_000, 4, 1, DUP_AFTER);
    private final RarestFirstScheduler scheduler = new RarestFirstScheduler(limits, new Random(42));
    private TaskSwarm swarm;

    /** A swarm of {@code pieces} pieces, all on the seed. */
    private void seedWith(int pieces) {
        swarm = SeededSwarm.seeded(pieces, NOW);
    }

    @BeforeEach
    void setUp() {
        seedWith(4);
    }

    private void peer(String id, int... pieces) {
        SeededSwarm.join(swarm, id, NOW, pieces);
    }

    private List<Assignment> pullAndRecord(String id, int max, long now) {
        return SeededSwarm.pullAndRecord(scheduler, swarm, id, max, now);
    }

    @Test
    void herdGetsDistinctPiecesFromTheSeedAndNoDuplicateWhileACopyIsInFlight() {
        // 8 peers at once, 4 pieces only on the seed: each piece goes out once, the rest wait
        for (int i = 0; i < 8; i++) {
            peer("p" + i);
        }
        BitSet sent = new BitSet();
        int seedUploads = 0;
        for (int i = 0; i < 8; i++) {
            for (Assignment a : pullAndRecord("p" + i, 4, NOW)) {
                assertEquals(SEED, a.sourcePeerId());
                assertTrue(!sent.get(a.pieceNum()), "piece " + a.pieceNum() + " seeded twice");
                sent.set(a.pieceNum());
                seedUploads++;
            }
        }
        assertEquals(4, seedUploads);
        assertEquals(4, sent.cardinality());
        // a late peer, while every copy is still in flight: WAIT, not a duplicate
        peer("late");
        assertEquals(List.of(), scheduler.schedule(swarm, "late", 4, NOW + 100));
    }

    @Test
    void aPeerThatHoldsThePieceIsPreferredOverTheSeed() {
        peer("a", 2);
        peer("me");
        List<Assignment> got = scheduler.schedule(swarm, "me", 4, NOW);
        assertTrue(got.contains(new Assignment(2, "a", "http://a")), got.toString());
        assertTrue(got.stream().noneMatch(a -> a.pieceNum() == 2 && a.sourcePeerId().equals(SEED)));
    }

    @Test
    void seedKeepsItsSlotsForNewPiecesWhilePeersTradeTheRest() {
        // 8 pieces on the seed, a ninth still coming from the origin; seed parallelism 4
        seedWith(8);
        swarm.setContentLength(4L * 9);
        peer("w", 4, 5, 6, 7);
        for (int i = 0; i < 4; i++) {
            peer("p" + i, 4, 5, 6, 7);
            List<Assignment> got = pullAndRecord("p" + i, 1, NOW);
            assertEquals(SEED, got.get(0).sourcePeerId());
        }
        // the seed is full: nothing for w
        assertEquals(List.of(), scheduler.schedule(swarm, "w", 4, NOW));
        int landed = -1;
        for (int n = 0; n < 4; n++) {
            if (swarm.isInFlight("p0", n)) {
                landed = n;
            }
        }
        swarm.report("p0", landed, SEED, true, NOW + 10);
        // the seed has a free slot again, but the other pieces w lacks are on their way to peers:
        // w gets p0's piece from p0 and no duplicate from the seed
        List<Assignment> got = scheduler.schedule(swarm, "w", 4, NOW + 10);
        assertEquals(List.of(new Assignment(landed, "p0", "http://p0")), got);
    }

    @Test
    void onceEveryPieceHasItsCopyAnIdleSeedMayServeDuplicates() {
        seedWith(2);
        peer("a", 0);
        peer("b");
        assertEquals(new Assignment(1, SEED, "http://seed"), pullAndRecord("b", 1, NOW).get(0));
        peer("me");
        // piece 0 from a; piece 1 only in flight to b, and the seed has nothing new: it sends it too
        List<Assignment> got = scheduler.schedule(swarm, "me", 4, NOW);
        assertTrue(got.contains(new Assignment(0, "a", "http://a")), got.toString());
        assertTrue(got.contains(new Assignment(1, SEED, "http://seed")), got.toString());
    }

    @Test
    void starvationGuardGivesADuplicateSeedUploadAfterTheDelay() {
        // piece 0 is in flight from the seed to "slow", which never reports
        seedWith(3);
        peer("slow", 1, 2);
        peer("me", 1, 2);
        assertEquals(List.of(new Assignment(0, SEED, "http://seed")), pullAndRecord("slow", 1, NOW));
        // a fourth piece is still coming from the origin, so the seed is not idle for good; the only
        // piece me lacks is in flight from the seed to another peer: WAIT, and the refusal clock starts
        swarm.setContentLength(4L * 4);
        assertEquals(List.of(), scheduler.schedule(swarm, "me", 4, NOW));
        assertEquals(List.of(), scheduler.schedule(swarm, "me", 4, NOW + DUP_AFTER - 1));
        List<Assignment> late = scheduler.schedule(swarm, "me", 4, NOW + DUP_AFTER);
        assertEquals(List.of(new Assignment(0, SEED, "http://seed")), late);
        swarm.recordAssignment("me", late.get(0), NOW + DUP_AFTER);
        assertEquals(2, swarm.inFlightCount(0));
    }

    @Test
    void aPeerStillTheOnlyHolderOfASeededPieceWaitsWhileOthersTakeNewPieces() {
        seedWith(8);
        peer("a");
        peer("b");
        Assignment toA = pullAndRecord("a", 1, NOW).get(0);
        swarm.report("a", toA.pieceNum(), SEED, true, NOW + 1);
        // a alone holds its piece: the next new piece goes to b, and a gets nothing new from the seed
        List<Assignment> forA = scheduler.schedule(swarm, "a", 1, NOW + 2);
        assertEquals(List.of(), forA);
        List<Assignment> forB = scheduler.schedule(swarm, "b", 1, NOW + 2);
        assertEquals(SEED, forB.get(0).sourcePeerId());
        assertTrue(forB.get(0).pieceNum() != toA.pieceNum());
        // once b has fetched a's piece too, a may get a new piece from the seed again
        swarm.recordAssignment("b", new Assignment(toA.pieceNum(), "a", "http://a"), NOW + 3);
        swarm.report("b", toA.pieceNum(), "a", true, NOW + 4);
        List<Assignment> again = scheduler.schedule(swarm, "a", 1, NOW + 5);
        assertEquals(SEED, again.get(0).sourcePeerId());
    }

    @Test
    void aLonePeerGetsEverythingFromTheSeed() {
        seedWith(8);
        peer("solo");
        long t = NOW;
        int got = 0;
        while (got < 8) {
            List<Assignment> as = pullAndRecord("solo", 4, t);
            assertTrue(!as.isEmpty(), "a lone peer must never wait on the seed");
            for (Assignment a : as) {
                assertEquals(SEED, a.sourcePeerId());
                swarm.report("solo", a.pieceNum(), SEED, true, t);
                got++;
            }
            t += 10;
        }
    }

    @Test
    void countsFollowJoinsReportsAndLeaves() {
        peer("a", 0, 1);
        peer("b", 0);
        assertEquals(2, swarm.peerHolderCount(0));
        assertEquals(3, swarm.holderCount(0));
        pullAndRecord("b", 1, NOW);
        assertEquals(1, swarm.peer("b").fetchingCount());
        swarm.leave("a");
        assertEquals(1, swarm.peerHolderCount(0));
        assertEquals(0, swarm.peerHolderCount(1));
        assertEquals(0, swarm.peer("a").uploading());
        swarm.join("a", "http://a", false, NOW);
        assertEquals(2, swarm.peerHolderCount(0));
        assertTrue(swarm.remove("a"));
        assertEquals(1, swarm.peerHolderCount(0));
        assertEquals(0, swarm.peerHolderCount(1));
    }
}
