package io.dfly.scheduler;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** In a herd, newcomers get the holders' upload first, one full-speed first piece each. */
class StartersFirstTest {
    private static final long NOW = 1_000_000;
    private static final String SEED = SeededSwarm.SEED;
    private final SchedulerLimits limits = new SchedulerLimits(5, 50, 5, 30_000, 60_000);
    private final RarestFirstScheduler scheduler = new RarestFirstScheduler(limits, new Random(7));
    private TaskSwarm swarm;

    @BeforeEach
    void setUp() {
        swarm = SeededSwarm.seeded(8, NOW);
    }

    private void peer(String id, long now, int... pieces) {
        SeededSwarm.join(swarm, id, now, pieces);
    }

    private List<Assignment> pullAndRecord(String id, int max, long now) {
        return SeededSwarm.pullAndRecord(scheduler, swarm, id, max, now);
    }

    @Test
    void isOnByDefault() {
        assertTrue(SchedulerLimits.defaults().startersFirst());
        assertTrue(limits.startersFirst());
    }

    @Test
    void whileNewcomersWaitAHolderGetsNothingAndANewcomerGetsOnePieceFromAnIdleHolder() {
        peer("h", NOW, 0, 1, 2);
        peer("s1", NOW);
        peer("s2", NOW);
        peer("s3", NOW);
        assertEquals(3, swarm.waitingStarterCount(NOW));
        assertEquals(1, swarm.holdingPeerCount());
        // h could fetch pieces 3..7, but two newcomers are waiting: h's upload is theirs
        assertEquals(List.of(), scheduler.schedule(swarm, "h", 4, NOW));
        // s1 asks for 4, gets 1: the rarest piece with an idle holder (h, not the busy seed)
        List<Assignment> first = pullAndRecord("s1", 4, NOW);
        assertEquals(1, first.size(), first.toString());
        // s1 asks again at once: its first piece comes alone
        assertEquals(List.of(), scheduler.schedule(swarm, "s1", 3, NOW));
        // s2: h is busy now, so not h (a first piece only from an idle holder); the seed is fine
        List<Assignment> second = pullAndRecord("s2", 4, NOW);
        assertEquals(1, second.size());
        assertTrue(!second.get(0).sourcePeerId().equals("h"), second.toString());
        // the last newcomer waiting has nobody to give way to: it fetches as usual
        assertTrue(pullAndRecord("s3", 4, NOW).size() > 1);
        // nobody waits any more (h trades as usual again: aSilentNewcomerDoesNotHoldTheSwarmBack)
        assertEquals(0, swarm.waitingStarterCount(NOW));
    }

    @Test
    void aLoneNewcomerInAWarmSwarmFetchesInParallelAsBefore() {
        peer("a", NOW, 0, 1, 2, 3);
        peer("b", NOW, 4, 5, 6, 7);
        peer("me", NOW);
        assertEquals(4, scheduler.schedule(swarm, "me", 4, NOW).size());
    }

    @Test
    void aSilentNewcomerDoesNotHoldTheSwarmBack() {
        peer("gone", NOW); // registered, never asked again
        peer("full", NOW, 0, 1, 2, 3, 4, 5, 6, 7);
        peer("h", NOW, 0);
        assertEquals(List.of(), scheduler.schedule(swarm, "h", 4, NOW));
        long later = NOW + 2_000;
        swarm.touch("h", later);
        swarm.touch("full", later);
        assertEquals(0, swarm.waitingStarterCount(later));
        assertEquals(4, scheduler.schedule(swarm, "h", 4, later).size());
    }

    @Test
    void countsFollowAssignmentsReportsAndLeaves() {
        peer("s", NOW);
        peer("t", NOW);
        assertEquals(2, swarm.waitingStarterCount(NOW));
        Assignment a = pullAndRecord("s", 1, NOW).get(0);
        assertEquals(1, swarm.waitingStarterCount(NOW)); // fetching: no longer waiting
        swarm.report("s", a.pieceNum(), a.sourcePeerId(), false, NOW);
        assertEquals(2, swarm.waitingStarterCount(NOW)); // the piece failed: waiting again
        Assignment b = pullAndRecord("s", 1, NOW).get(0);
        swarm.report("s", b.pieceNum(), b.sourcePeerId(), true, NOW);
        assertEquals(1, swarm.holdingPeerCount());
        assertEquals(1, swarm.waitingStarterCount(NOW));
        swarm.leave("t");
        assertEquals(0, swarm.waitingStarterCount(NOW));
        swarm.leave("s");
        assertEquals(0, swarm.holdingPeerCount());
        swarm.join("s", "http://s", false, NOW);
        assertEquals(1, swarm.holdingPeerCount());
    }

    @Test
    void canBeSwitchedOff() {
        RarestFirstScheduler old = new RarestFirstScheduler(limits.withStartersFirst(false), new Random(7));
        peer("full", NOW, 0, 1, 2, 3, 4, 5, 6, 7);
        peer("h", NOW, 0);
        peer("s1", NOW);
        peer("s2", NOW);
        assertEquals(4, old.schedule(swarm, "h", 4, NOW).size());
        assertEquals(4, old.schedule(swarm, "s1", 4, NOW).size());
    }
}
