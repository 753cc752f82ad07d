package io.dfly.engine;

import io.dfly.core.task.TaskIds;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.Optional;

/**
 * Serving one piece to another peer: the single implementation behind both the in-process
 * {@link PeerUploadServer} and dfdaemon's JAX-RS resource. Only pieces this host holds (verified) are
 * served; the upload rate limit and upload counters apply here.
 */
public final class PieceUploadService {
    private static final int CHUNK = 64 * 1024;

    /** A piece ready to send: its bytes and digest (for {@code X-Dfly-Piece-Digest}). */
    public record Piece(byte[] data, String digest) {
        public int length() {
            return data.length;
        }
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
        byte[] data = task.get().readPiece(n);
        if (data == null) {
            return Optional.empty();
        }
        return Optional.of(new Piece(data, task.get().pieceDigest(n)));
    }

    /** Sends the piece's bytes, paced by the host's upload limit, and counts them. */
    public void write(Piece piece, OutputStream out) throws IOException {
        byte[] data = piece.data();
        int pos = 0;
        try {
            while (pos < data.length) {
                int n = Math.min(CHUNK, data.length - pos);
                uploadBucket.acquire(n);
                out.write(data, pos, n);
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
