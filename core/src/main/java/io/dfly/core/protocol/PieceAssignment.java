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
 */
public record PieceAssignment(int pieceNum, long offset, int length, String digest, String sourcePeerId,
                              String sourceUrl) {
}
