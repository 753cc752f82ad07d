package io.dfly.scheduler;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Matched slots: a peer gets at most peerFetchLimit pieces in flight, and the seed uploads at most that many. */
class FetchLimitTest {
    private static final long NOW = 1_000_000;
    private static final String SEED = SeededSwarm.SEED;
    /** Upload limit 1, as the supernode now runs by default, fetch limit matched to it. */
    private final SchedulerLimits limits = new SchedulerLimits(1, 50, 5, 30_000, 60_000).withStartersFirst(false)
            .withPeerFetchLimit(1);
    private final RarestFirstScheduler scheduler = new RarestFirstScheduler(limits, new Random(3));
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

    @Test
    void aPeerAskingForThreeGetsOneAndNothingMoreUntilItLands() {
        peer("a", 0, 1);
        peer("b", 2, 3);
        peer("c", 4, 5);
        peer("me");
        // three idle holders of different pieces, but one piece in flight at a time
        List<Assignment> first = pullAndRecord("me", 3, NOW);
        assertEquals(1, first.size(), first.toString());
        assertEquals(List.of(), scheduler.schedule(swarm, "me", 2, NOW), "its slot is taken");
        Assignment a = first.get(0);
        assertTrue(swarm.report("me", a.pieceNum(), a.sourcePeerId(), true, NOW + 10));
        assertEquals(1, pullAndRecord("me", 3, NOW + 10).size(), "landed: the slot is free again");
    }

    @Test
    void theSeedUploadsAtMostTheFetchLimitAtOnce() {
        assertEquals(1, limits.effectiveSeedUploadLimit(), "min(seed-upload-limit 50, seed parallelism, fetch limit 1)");
        peer("x");
        peer("y");
        // nobody but the seed holds anything: one of them gets the seed's one slot, the other waits
        assertEquals(SEED, pullAndRecord("x", 3, NOW).get(0).sourcePeerId());
        assertEquals(List.of(), scheduler.schedule(swarm, "y", 3, NOW));
    }

    @Test
    void theOtherConstructorsSetNoFetchLimitAndBehaveAsBefore() {
        SchedulerLimits old = new SchedulerLimits(3, 50, 5, 30_000, 60_000);
        assertEquals(SchedulerLimits.NO_FETCH_LIMIT, old.peerFetchLimit());
        assertEquals(Math.min(50, SchedulerLimits.DEFAULT_SEED_PARALLELISM), old.effectiveSeedUploadLimit());
        peer("a", 0, 1, 2, 3);
        peer("b", 4, 5, 6, 7);
        peer("me");
        List<Assignment> got = new RarestFirstScheduler(old.withStartersFirst(false), new Random(3))
                .schedule(swarm, "me", 4, NOW);
        assertEquals(4, got.size(), "the pull's maxPieces alone limits it: " + got);
    }

    @Test
    void witherKeepsTheOtherLimitsAndRejectsZero() {
        SchedulerLimits l = new SchedulerLimits(2, 9, 4, 1_000, 2_000, 5, 1, 3_000, false).withPeerFetchLimit(2);
        assertEquals(new SchedulerLimits(2, 9, 4, 1_000, 2_000, 5, 1, 3_000, false, 2), l);
        assertEquals(2, l.withStartersFirst(true).peerFetchLimit());
        assertThrows(IllegalArgumentException.class, () -> l.withPeerFetchLimit(0));
    }
}
