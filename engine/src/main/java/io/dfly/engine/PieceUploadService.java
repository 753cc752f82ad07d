package io.dfly.engine;

import io.dfly.core.task.TaskIds;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * Serving one piece to another peer: the single implementation behind both the in-process
 * {@link PeerUploadServer} and dfdaemon's JAX-RS resource. Only pieces this host holds (verified) are
 * served; the upload rate limit and upload counters apply here.
 */
public final class PieceUploadService {
    private static final int CHUNK = 64 * 1024;

    /** A held piece ready to send: where it is, its length and digest (for {@code X-Dfly-Piece-Digest}). */
    public record Piece(StoredTask task, int number, int length, String digest) {
    }

    private final PieceStore store;
    private final TokenBucket uploadBucket;
    private final EngineMetrics metrics;

    public PieceUploadService(PieceStore store, TokenBucket uploadBucket, EngineMetrics metrics) {
        this.store = store;
        this.uploadBucket = uploadBucket;
        this.metrics = metrics;
    }

    /**
     * Looks a piece up.
     *
     * @return the piece, or empty when this host does not hold it (answer 404)
     * @throws IllegalArgumentException for a malformed task id or piece number (answer 400)
     */
    public Optional<Piece> find(String taskId, String pieceNumber) throws IOException {
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
