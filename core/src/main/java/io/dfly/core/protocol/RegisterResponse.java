package io.dfly.core.protocol;

/**
 * @param taskId        id of the task (64 hex chars)
 * @param contentLength file length in bytes, or -1 while unknown
 * @param pieceSize     piece size in bytes (see {@link io.dfly.core.piece.PieceSizeRule})
 * @param status        {@link TaskStatus} name
 * @param supernodeId   the member that answered
 */
public record RegisterResponse(String taskId, long contentLength, int pieceSize, String status, String supernodeId) {
}
