package io.dfly.core.piece;

import org.junit.jupiter.api.Test;

import static io.dfly.core.piece.PieceSizeRule.MIB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PieceSizeRuleTest {
    @Test
    void fourMibUpTo200MibOrUnknown() {
        assertEquals(4 * MIB, PieceSizeRule.pieceSize(-1));
        assertEquals(4 * MIB, PieceSizeRule.pieceSize(0));
        assertEquals(4 * MIB, PieceSizeRule.pieceSize(200L * MIB));
    }

    @Test
    void growsWithLengthAndIsCappedAt15Mib() {
        assertEquals(4 * MIB, PieceSizeRule.pieceSize(200L * MIB + 1)); // 200/100 + 2
        assertEquals(12 * MIB, PieceSizeRule.pieceSize(1024L * MIB)); // 1 GiB: 10 + 2
        assertEquals(15 * MIB, PieceSizeRule.pieceSize(10L * 1024 * MIB));
        long tenGiB = 10L * 1024 * MIB; // bounded piece count
        assertTrue(PieceSizeRule.pieceCount(tenGiB, PieceSizeRule.pieceSize(tenGiB)) < 700);
    }

    @Test
    void countsAndLastPieceLength() {
        assertEquals(1, PieceSizeRule.pieceCount(0, 4 * MIB));
        assertEquals(25, PieceSizeRule.pieceCount(100L * MIB, 4 * MIB));
        assertEquals(26, PieceSizeRule.pieceCount(100L * MIB + 1, 4 * MIB));
        assertEquals(1, PieceSizeRule.pieceLength(100L * MIB + 1, 4 * MIB, 25));
        assertEquals(4 * MIB, PieceSizeRule.pieceLength(100L * MIB + 1, 4 * MIB, 24));
    }

    @Test
    void digests() {
        assertEquals("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", Digests.sha256(new byte[0]));
        assertTrue(Digests.isValid(Digests.sha256(new byte[]{1})));
    }
}
