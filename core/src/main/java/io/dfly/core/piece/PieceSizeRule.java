package io.dfly.core.piece;

/**
 * Piece size from content length, Dragonfly's proven rule: 4 MiB up to 200 MiB files (or unknown
 * length); above that {@code length / 100 MiB + 2} MiB, capped at 15 MiB. A 1 GiB file gets 12 MiB
 * pieces (86 pieces), a 10 GiB file 15 MiB (683 pieces).
 */
public final class PieceSizeRule {
    public static final int MIB = 1024 * 1024;
    public static final int DEFAULT_PIECE_SIZE = 4 * MIB;
    public static final int MAX_PIECE_SIZE = 15 * MIB;
    private static final long SMALL_FILE_LIMIT = 200L * MIB;

    private PieceSizeRule() {
    }

    /** @param contentLength file length, or a negative number when unknown */
    public static int pieceSize(long contentLength) {
        if (contentLength < 0 || contentLength <= SMALL_FILE_LIMIT) {
            return DEFAULT_PIECE_SIZE;
        }
        long mib = contentLength / (100L * MIB) + 2;
        return (int) Math.min(mib * MIB, MAX_PIECE_SIZE);
    }

    /** Number of pieces for a known length (at least 1: an empty file is one empty piece). */
    public static int pieceCount(long contentLength, int pieceSize) {
        if (contentLength <= 0) {
            return 1;
        }
        return (int) ((contentLength + pieceSize - 1) / pieceSize);
    }

    /** Length of piece {@code n}. */
    public static int pieceLength(long contentLength, int pieceSize, int n) {
        long start = (long) n * pieceSize;
        return (int) Math.max(0, Math.min(pieceSize, contentLength - start));
    }
}
