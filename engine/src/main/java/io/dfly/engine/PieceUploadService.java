package io.dfly.engine;

import io.dfly.core.security.HostTokens;
import io.dfly.core.security.PieceGrants;
import io.dfly.core.task.TaskIds;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * Serving one piece to another peer: the single implementation behind every upload port of the engine
 * ({@link PeerUploadServer}: dfget alone, and the dfdaemon's {@code dfly.dfdaemon.upload-port}). A piece
 * goes only to an enrolled host the supernode assigned it to: the request must carry that host's token
 * ({@code Authorization: Dfly-Host}, minted for {@code GET} and the request's raw path) and the supernode's
 * grant ({@code X-Dfly-Grant}) for this task, this piece and that host's peer id; else 403 and no byte.
 * Only pieces this host holds (verified) are served, checked after authorization so an outsider learns
 * nothing about what is held. The upload rate limit and upload counters apply here.
 */
public final class PieceUploadService {
    private static final int CHUNK = 64 * 1024;
    static final String NO_TOKEN = "no valid host token (" + HostTokens.HEADER + ": " + HostTokens.SCHEME
            + "): pieces go only to enrolled hosts the supernode assigned them to";

    /** A held piece ready to send: where it is, its length and digest (for {@code X-Dfly-Piece-Digest}). */
    public record Piece(StoredTask task, int number, int length, String digest) {
    }

    /** What to answer one piece request: {@link Send} or {@link Refuse}. */
    public sealed interface Answer permits Send, Refuse {
    }

    /** Send this piece (status 200). */
    public record Send(Piece piece) implements Answer {
    }

    /**
     * Send no byte of any piece: {@code status} with the JSON body {@code {"error":error,"message":message}}
     * (400 bad_request, 403 forbidden, 404 not_found).
     */
    public record Refuse(int status, String error, String message) implements Answer {
    }

    private final PieceStore store;
    private final TokenBucket uploadBucket;
    private final EngineMetrics metrics;
    private final HostTokens tokens;
    private final PieceGrants grants;

    public PieceUploadService(PieceStore store, TokenBucket uploadBucket, EngineMetrics metrics, HostTokens tokens,
                              PieceGrants grants) {
        this.store = store;
        this.uploadBucket = uploadBucket;
        this.metrics = metrics;
        this.tokens = tokens;
        this.grants = grants;
    }

    /**
     * Decides a request for {@code GET /peer/tasks/{taskId}/pieces/{pieceNumber}}: malformed ids → 400; no good
     * host token or no good grant for (task, piece, the token's peer) → 403; a piece not held here → 404.
     *
     * @param rawPath       the request's path as sent (not decoded, no query): what the token was minted for
     * @param authorization the {@code Authorization} header, or null
     * @param grant         the {@code X-Dfly-Grant} header, or null
     */
    public Answer answer(String taskId, String pieceNumber, String rawPath, String authorization, String grant)
            throws IOException {
        int n;
        try {
            n = parse(taskId, pieceNumber);
        } catch (IllegalArgumentException e) {
            return new Refuse(400, "bad_request", e.getMessage());
        }
        Optional<String> peer = tokens.verify(authorization, "GET", rawPath);
        if (peer.isEmpty()) {
            metrics.uploadsRefused.increment();
            return new Refuse(403, "forbidden", NO_TOKEN);
        }
        Optional<String> refusal = grants.refusal(grant, taskId, n, peer.get());
        if (refusal.isPresent()) {
            metrics.uploadsRefused.increment();
            return new Refuse(403, "forbidden", refusal.get());
        }
        Optional<Piece> piece = find(taskId, n);
        if (piece.isEmpty()) {
            return new Refuse(404, "not_found", "piece " + n + " of task " + taskId + " is not held here");
        }
        return new Send(piece.get());
    }

    private static int parse(String taskId, String pieceNumber) {
        TaskIds.requireValid(taskId);
        int n;
        try {
            n = Integer.parseInt(pieceNumber);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid piece number (want a whole number >= 0)");
        }
        if (n < 0) {
            throw new IllegalArgumentException("invalid piece number (want a whole number >= 0)");
        }
        return n;
    }

    /** A held piece, or empty. Callers outside {@link #answer} must have authorized the request. */
    Optional<Piece> find(String taskId, int n) throws IOException {
        Optional<StoredTask> task = store.find(taskId);
        if (task.isEmpty()) {
            return Optional.empty();
        }
        int length = task.get().pieceLength(n);
        if (length < 0) {
            return Optional.empty();
        }
        return Optional.of(new Piece(task.get(), n, length, task.get().pieceDigest(n)));
    }

    /** Sends the piece's bytes, paced by the host's upload limit, and counts them. */
    public void write(Piece piece, OutputStream out) throws IOException {
        byte[] chunk = new byte[Math.min(CHUNK, Math.max(1, piece.length()))];
        int pos = 0;
        try {
            while (pos < piece.length()) {
                int want = Math.min(chunk.length, piece.length() - pos);
                uploadBucket.acquire(want);
                int n = piece.task().read(piece.number(), pos, ByteBuffer.wrap(chunk, 0, want));
                if (n <= 0) {
                    throw new IOException("piece " + piece.number() + " of task " + piece.task().taskId()
                            + " was removed while being sent");
                }
                out.write(chunk, 0, n);
                pos += n;
                metrics.bytesUploaded.add(n);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("upload interrupted");
        }
        out.flush();
        metrics.piecesUploaded.increment();
    }
}
