package io.dfly.core.protocol;

/**
 * A peer asks for work. {@code POST /api/v1/tasks/{taskId}/pull}.
 *
 * @param peerId    the asking peer
 * @param have      pieces the peer holds: {@link PieceSet#encode()} (base64 of a little-endian bitset)
 * @param maxPieces how many assignments it can take now (its free download slots)
 */
public record PullRequest(String peerId, String have, int maxPieces) {
}
