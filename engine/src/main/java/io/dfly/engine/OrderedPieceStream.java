package io.dfly.engine;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;

/**
 * The bytes of a download in order, piece by piece, as soon as each piece is verified on disk. Blocks
 * while the next piece is missing. Ends normally only after the whole download succeeded (so a final
 * digest mismatch is an {@link IOException}, never a clean end of stream).
 */
final class OrderedPieceStream extends InputStream {
    private final TaskDownload download;
    private int nextPiece;
    private byte[] current = new byte[0];
    private int pos;
    private boolean closed;

    OrderedPieceStream(TaskDownload download) {
        this.download = download;
    }

    @Override
    public int read() throws IOException {
        if (!fill()) {
            return -1;
        }
        return current[pos++] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (!fill()) {
            return -1;
        }
        int n = Math.min(len, current.length - pos);
        System.arraycopy(current, pos, b, off, n);
        pos += n;
        return n;
    }

    @Override
    public int available() {
        return current.length - pos;
    }

    /** Makes sure unread bytes are buffered; false at a verified end of file. */
    private boolean fill() throws IOException {
        if (closed) {
            throw new IOException("stream closed");
        }
        while (pos >= current.length) {
            Throwable failure = download.failure();
            if (failure != null) {
                throw new IOException("download failed: " + failure.getMessage(), failure);
            }
            int count = download.pieceCount();
            StoredTask stored = download.stored();
            if (stored != null && stored.isRemoved()) {
                throw new IOException("task " + stored.taskId() + " was removed from the local cache while being read");
            }
            if (count >= 0 && nextPiece >= count) {
                if (download.succeeded()) {
                    return false;
                }
            } else if (stored != null && stored.has(nextPiece)) {
                byte[] data = stored.readPiece(nextPiece);
                if (data != null) {
                    current = data;
                    pos = 0;
                    nextPiece++;
                    continue;
                }
            }
            try {
                download.awaitChange(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for piece " + nextPiece);
            }
        }
        return true;
    }

    @Override
    public void close() {
        closed = true;
        current = new byte[0];
        pos = 0;
    }
}
