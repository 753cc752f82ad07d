package io.dfly.core.protocol;

/**
 * Result of one piece download. {@code POST /api/v1/tasks/{taskId}/reports}.
 * Success makes the reporting peer a source of the piece at once.
 *
 * @param peerId       the downloading peer
 * @param pieceNum     piece index
 * @param sourcePeerId where it came from
 * @param success      whether the bytes arrived and matched the digest
 * @param reason       on failure: what went wrong (connection refused, digest mismatch, short read)
 */
public record PieceReport(String peerId, int pieceNum, String sourcePeerId, boolean success, String reason) {
}
