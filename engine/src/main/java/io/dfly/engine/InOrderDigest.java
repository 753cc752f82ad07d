package io.dfly.engine;

import io.dfly.core.piece.Digests;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The sha256 of a whole file whose pieces land in any order: each call hashes the run of held pieces
 * that follows what was hashed before (read back from the page cache, 256 KiB at a time). Pieces mostly
 * land in order, so by the time the last one lands almost everything is hashed and the final check
 * costs one piece, not a second pass over the file.
 *
 * <p>A fetch of the very next piece can also hash it on the fly ({@link #startPiece} gives a copy of
 * the running digest, {@link #offerPiece} adopts it once the piece is verified and held), which spares
 * reading it back; a copy that comes too late or for a piece that failed is simply dropped.
 */
final class InOrderDigest {
    private static final int CHUNK = 256 * 1024;
    private MessageDigest md = Digests.newSha256();
    private final ReentrantLock lock = new ReentrantLock();
    private volatile int next;
    private long hashed;

    /**
     * A copy of the running digest if {@code piece} is the next one to hash (so its bytes can be fed to
     * it while they arrive), else null.
     */
    MessageDigest startPiece(int piece) {
        if (next != piece || !lock.tryLock()) {
            return null;
        }
        try {
            return next == piece ? (MessageDigest) md.clone() : null;
        } catch (CloneNotSupportedException e) {
            return null;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Adopts a digest from {@link #startPiece} that has been fed exactly the bytes of {@code piece}, now
     * verified and held, if nothing was hashed since; otherwise the copy is dropped.
     */
    void offerPiece(int piece, int length, MessageDigest fed) {
        lock.lock();
        try {
            if (next == piece) {
                md = fed;
                hashed += length;
                next = piece + 1;
            }
        } finally {
            lock.unlock();
        }
    }

    /** Hashes what it can now; returns at once if another thread is already doing so. */
    void advance(StoredTask t) throws IOException {
        if (!lock.tryLock()) {
            return;
        }
        try {
            hashHeldRun(t, Long.MAX_VALUE);
        } finally {
            lock.unlock();
        }
    }

    /** Hashes the rest of a file of {@code length} bytes, all of whose pieces are held, and returns the digest. */
    String finish(StoredTask t, long length) throws IOException {
        lock.lock();
        try {
            hashHeldRun(t, length);
            if (hashed != length) {
                throw new IOException("hashed " + hashed + " of " + length + " bytes of task " + t.taskId()
                        + " (a piece is missing or was removed)");
            }
            return Digests.format(md);
        } finally {
            lock.unlock();
        }
    }

    private void hashHeldRun(StoredTask t, long length) throws IOException {
        ByteBuffer buf = null;
        while (hashed < length) {
            int pieceLength = t.pieceLength(next);
            if (pieceLength < 0) {
                return;
            }
            if (buf == null) {
                buf = ByteBuffer.allocate(CHUNK);
            }
            int off = 0;
            while (off < pieceLength) {
                buf.clear();
                int n = t.read(next, off, buf);
                if (n < 0) {
                    throw new IOException("piece " + next + " of task " + t.taskId() + " was removed while hashing");
                }
                buf.flip();
                md.update(buf);
                off += n;
            }
            hashed += pieceLength;
            next++;
            if (pieceLength == 0) {
                return; // only an empty file has an empty piece
            }
        }
    }
}
