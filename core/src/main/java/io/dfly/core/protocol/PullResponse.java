package io.dfly.core.protocol;

import java.util.List;

/**
 * The supernode's answer to a pull.
 *
 * @param action        what the peer should do: {@link PullAction}
 * @param pieces        assignments when {@code action == ASSIGNED}
 * @param contentLength file length, or -1 while unknown
 * @param pieceCount    number of pieces, or -1 while unknown
 * @param pieceSize     piece size in bytes
 * @param fileDigest    whole-file digest {@code sha256:<hex>} when known
 * @param reason        why, when {@code action == FAILED}
 * @param waitMillis    how long to wait before asking again, when {@code action == WAIT}
 * @param reportsRead   how many of the pull's {@link PullRequest#reports} the supernode read (each applied
 *                      or ignored by the reports rule): all of them. 0 (absent) from a supernode older than
 *                      embedded reports, which dropped them: the peer then sends them on their own.
 */
public record PullResponse(PullAction action, List<PieceAssignment> pieces, long contentLength, int pieceCount,
                           int pieceSize, String fileDigest, String reason, int waitMillis, int reportsRead) {

    /** An answer to a pull that carried no reports. */
    public PullResponse(PullAction action, List<PieceAssignment> pieces, long contentLength, int pieceCount,
                        int pieceSize, String fileDigest, String reason, int waitMillis) {
        this(action, pieces, contentLength, pieceCount, pieceSize, fileDigest, reason, waitMillis, 0);
    }
}
