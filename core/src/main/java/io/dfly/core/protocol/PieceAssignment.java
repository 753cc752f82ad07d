package io.dfly.core.protocol;

/**
 * One piece to fetch from one source.
 *
 * @param pieceNum     piece index, from 0
 * @param offset       byte offset in the file
 * @param length       piece length in bytes
 * @param digest       piece digest {@code sha256:<hex>}; the bytes must match it
 * @param sourcePeerId peer id of the source (a supernode's id starts with {@code supernode:})
 * @param sourceUrl    full URL of the piece: {@code <peerUrl>/peer/tasks/<taskId>/pieces/<pieceNum>}
 * @param grant        the supernode's signed word that this peer may fetch this piece
 *                     ({@link io.dfly.core.security.PieceGrants}); sent to the source as {@code X-Dfly-Grant}
 */
public record PieceAssignment(int pieceNum, long offset, int length, String digest, String sourcePeerId,
                              String sourceUrl, String grant) {
    /** The same assignment carrying {@code grant}. */
    public PieceAssignment withGrant(String grant) {
        return new PieceAssignment(pieceNum, offset, length, digest, sourcePeerId, sourceUrl, grant);
    }
}
