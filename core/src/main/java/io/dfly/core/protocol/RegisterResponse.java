package io.dfly.core.protocol;

/**
 * @param taskId        id of the task (64 hex chars)
 * @param contentLength file length in bytes, or -1 while unknown
 * @param pieceSize     piece size in bytes (see {@link io.dfly.core.piece.PieceSizeRule})
 * @param status        {@link TaskStatus} name
 * @param supernodeId   the member that answered
 * @param firstPull     when the registration asked for it ({@link RegisterRequest#maxPieces} above 0): the answer
 *                      to a pull the registrant made right after joining, held as a pull is (so usually its first
 *                      assignments, each with its grant); null otherwise, or when that pull failed
 */
public record RegisterResponse(String taskId, long contentLength, int pieceSize, String status, String supernodeId,
                               PullResponse firstPull) {
    /** An answer without a first pull. */
    public RegisterResponse(String taskId, long contentLength, int pieceSize, String status, String supernodeId) {
        this(taskId, contentLength, pieceSize, status, supernodeId, null);
    }

    public RegisterResponse withFirstPull(PullResponse pull) {
        return new RegisterResponse(taskId, contentLength, pieceSize, status, supernodeId, pull);
    }
}
