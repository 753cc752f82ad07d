package io.dfly.supernode.task;

import io.dfly.core.piece.PieceSizeRule;
import io.dfly.core.protocol.TaskStatus;
import io.dfly.scheduler.RarestFirstScheduler;
import io.dfly.scheduler.SchedulerLimits;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TaskRecordTest {
    private static final String ID = "e".repeat(64);
    private final RarestFirstScheduler scheduler = new RarestFirstScheduler(SchedulerLimits.defaults(), new Random(1));

    private TaskRecord running(long length) {
        TaskRecord r = new TaskRecord(ID, new byte[]{1}, "key", "http://o/f", null, "member-a", 0);
        r.originAnswered(length, "member-a", "supernode:a:1", "http://a:1", 0);
        return r;
    }

    @Test
    void pieceSizeFollowsTheRule() {
        assertEquals(4 * PieceSizeRule.MIB, running(100L * PieceSizeRule.MIB).pieceSize());
        TaskRecord gib = running(1L << 30);
        assertEquals(12 * PieceSizeRule.MIB, gib.pieceSize());
        assertEquals(86, gib.pieceCount());
        assertEquals(15 * PieceSizeRule.MIB, running(10L << 30).pieceSize());
        assertEquals(4 * PieceSizeRule.MIB, running(-1).pieceSize());
        assertEquals(-1, running(-1).pieceCount());
    }

    @Test
    void piecesAreShareableAsSoonAsTheyLand() {
        TaskRecord r = running(10L * PieceSizeRule.MIB);
        r.swarm().join("peer", "http://peer", false, 0);
        assertEquals("WAIT", r.pull("peer", 4, scheduler, 60_000, 60_000, 0).action());
        assertTrue(r.piecePublished("supernode:a:1", 0, "sha256:p0"));
        TaskRecord.PullOutcome out = r.pull("peer", 4, scheduler, 60_000, 60_000, 0);
        assertEquals("ASSIGNED", out.action());
        assertEquals(1, out.pieces().size());
        assertEquals("http://a:1/peer/tasks/" + ID + "/pieces/0", out.pieces().get(0).sourceUrl());
        assertEquals(TaskStatus.RUNNING, r.status());
    }

    @Test
    void aDifferentDigestForAPublishedPieceIsRefused() {
        TaskRecord r = running(10L * PieceSizeRule.MIB);
        assertTrue(r.piecePublished("supernode:a:1", 0, "sha256:p0"));
        assertFalse(r.piecePublished("supernode:b:1", 0, "sha256:other"));
    }

    @Test
    void aMirroredPieceSurvivesTheFetcherAndTheTakeOverResumesAfterIt() {
        TaskRecord r = running(16L * PieceSizeRule.MIB); // 4 pieces
        r.piecePublished("supernode:a:1", 0, "sha256:p0");
        r.piecePublished("supernode:a:1", 1, "sha256:p1");
        r.piecePublished("supernode:a:1", 2, "sha256:p2");
        assertTrue(r.mirrored("member-b", "supernode:b:1", "http://b:1", 0, "sha256:p0", 1));
        assertTrue(r.mirrored("member-b", "supernode:b:1", "http://b:1", 1, "sha256:p1", 1));
        // a copy never brings a digest of its own, nor one for a piece the grid does not know
        assertFalse(r.mirrored("member-b", "supernode:b:1", "http://b:1", 2, "sha256:other", 1));
        assertFalse(r.mirrored("member-b", "supernode:b:1", "http://b:1", 3, "sha256:p3", 1));
        assertFalse(r.mirrored("member-a", "supernode:a:1", "http://a:1", 0, "sha256:p0", 1), "the fetcher itself");
        assertEquals("supernode:b:1", r.seedSources().get("member-b"));
        assertTrue(r.memberGone("member-a", "member-b", 2));
        // pieces 0 and 1 are on the mirror; piece 2 was only on the dead member
        assertEquals(2, r.firstPieceToFetch());
        r.fail("origin_error", "x", 502, 3);
        assertFalse(r.mirrored("member-c", "supernode:c:1", "http://c:1", 0, "sha256:p0", 4), "a failed task");
    }

    @Test
    void whenTheSeedingMemberDiesOneSurvivorTakesOverAtTheFirstPieceNobodyHolds() {
        TaskRecord r = running(12L * PieceSizeRule.MIB); // 3 pieces
        r.piecePublished("supernode:a:1", 0, "sha256:p0");
        r.piecePublished("supernode:a:1", 1, "sha256:p1");
        r.swarm().join("peer", "http://peer", false, 0);
        r.swarm().addPiece("peer", 0);
        assertTrue(r.memberGone("member-a", "member-b", 1));
        assertFalse(r.memberGone("member-a", "member-c", 1), "only one survivor takes over");
        assertEquals("member-b", r.seederMember());
        // piece 0 is still on the peer; piece 1 was only on the dead member
        assertEquals(1, r.firstPieceToFetch());
    }

    @Test
    void aFinishedTaskWhoseOnlyCopyDiedIsFetchedAgainIfAPieceIsLost() {
        TaskRecord r = running(8L * PieceSizeRule.MIB); // 2 pieces
        r.piecePublished("supernode:a:1", 0, "sha256:p0");
        r.piecePublished("supernode:a:1", 1, "sha256:p1");
        r.originFinished(8L * PieceSizeRule.MIB, "sha256:f");
        r.swarm().join("peer", "http://peer", false, 0);
        r.swarm().addPiece("peer", 0);
        r.swarm().addPiece("peer", 1);
        assertFalse(r.memberGone("member-a", "member-b", 1), "peers still hold every piece");
        r.swarm().leave("peer");
        assertTrue(r.takeOverIfOrphaned("member-b", 2));
        assertEquals(TaskStatus.RUNNING, r.status());
        assertEquals(0, r.firstPieceToFetch());
        assertFalse(r.takeOverIfOrphaned("member-c", 3), "only one member takes over");
    }

    @Test
    void unknownPeersMustRegisterAndFailedTasksSayWhy() {
        TaskRecord r = running(10L * PieceSizeRule.MIB);
        assertEquals("UNKNOWN_PEER", r.pull("stranger", 4, scheduler, 60_000, 60_000, 0).action());
        r.fail("origin_error", "boom", 502, 0);
        TaskRecord.PullOutcome out = r.pull("stranger", 4, scheduler, 60_000, 60_000, 0);
        assertEquals("FAILED", out.action());
        assertEquals("boom", out.reason());
    }

    @Test
    void aTaskWithADownloadingPeerIsActive() {
        TaskRecord r = running(4L * PieceSizeRule.MIB);
        r.piecePublished("supernode:a:1", 0, "sha256:p0");
        r.originFinished(4L * PieceSizeRule.MIB, "sha256:f");
        assertEquals(TaskStatus.SUCCESS, r.status());
        assertFalse(r.isActive(0, 30_000));
        r.swarm().join("peer", "http://peer", false, 1000);
        assertTrue(r.isActive(2000, 30_000));
        assertFalse(r.isActive(100_000, 30_000), "a silent peer no longer keeps it active");
        r.swarm().addPiece("peer", 0);
        assertFalse(r.isActive(2000, 30_000), "a peer that has everything is not downloading");
    }
}
