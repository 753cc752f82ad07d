package io.dfly.core.protocol;

/** HTTP names shared by every piece server (supernode and peers). */
public final class PieceHeaders {
    /** Response header carrying the piece digest {@code sha256:<hex>}. */
    public static final String PIECE_DIGEST = "X-Dfly-Piece-Digest";

    /** Path of a piece below a server's base URL. */
    public static String piecePath(String taskId, int pieceNum) {
        return "/peer/tasks/" + taskId + "/pieces/" + pieceNum;
    }

    private PieceHeaders() {
    }
}
