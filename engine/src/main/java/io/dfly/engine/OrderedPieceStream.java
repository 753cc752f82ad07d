package io.dfly.engine;

import io.dfly.core.download.DownloadResult;
import io.dfly.core.download.VerifiedPieceStream;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The bytes of a download in order, piece by piece, as soon as each piece is verified on disk. Reads
 * go straight from the file into the caller's buffer (no copy of a whole piece). Blocks while the next
 * piece is missing. Ends normally only after the whole download succeeded (so a final digest mismatch
 * is an {@link IOException}, never a clean end of stream). It says which pieces it handed out and, at its
 * end, the verified digest ({@link VerifiedPieceStream}), so a reader need not hash the bytes again.
 */
final class OrderedPieceStream extends InputStream implements VerifiedPieceStream {
    /** How long the end of the stream waits for the download's result to be published (it is set just after). */
    private static final long RESULT_WAIT_SECONDS = 10;
    private final TaskDownload download;
    private int piece;
    /** Length of {@link #piece} once it is held, else -1. */
    private int pieceLength = -1;
    private int offset;
    private boolean closed;
    /** The store the bytes handed out so far came from; none may ever come from another (a re-download). */
    private StoredTask source;
    /** The digest of each piece handed out, by piece number. */
    private final List<String> digests = new ArrayList<>();
    private boolean atEnd;

    OrderedPieceStream(TaskDownload download) {
        this.download = download;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (!fill()) {
            return -1;
        }
        int n = source.read(piece, offset, ByteBuffer.wrap(b, off, len));
        if (n < 0) {
            throw new IOException("piece " + piece + " was removed from the local cache while being read");
        }
        offset += n;
        return n;
    }

    @Override
    public int available() {
        return pieceLength < 0 ? 0 : pieceLength - offset;
    }

    /** Makes sure the current piece has unread bytes; false at a verified end of file. */
    private boolean fill() throws IOException {
        if (closed) {
            throw new IOException("stream closed");
        }
        while (true) {
            if (pieceLength >= 0) {
                if (offset < pieceLength) {
                    return true;
                }
                piece++;
                offset = 0;
                pieceLength = -1;
            }
            Throwable failure = download.failure();
            if (failure != null) {
                throw new IOException("download failed: " + failure.getMessage(), failure);
            }
            int count = download.pieceCount();
            StoredTask stored = download.stored();
            if (source != null && (stored != source || source.isRemoved())) {
                // the pieces already read were dropped (evicted, or no longer trusted): the rest must not be mixed in
                String why = download.dropReason();
                throw new IOException(why != null ? "download failed: " + why
                        : "task " + source.taskId() + " was removed from the local cache while being read");
            }
            if (stored != null && stored.isRemoved()) {
                if (download.completion().isDone()) {
                    throw new IOException("task " + stored.taskId() + " was removed from the local cache");
                }
                stored = null; // nothing read yet: wait for the download to store it again (or to fail)
            }
            if (count >= 0 && piece >= count) {
                if (download.succeeded()) {
                    atEnd = true;
                    return false;
                }
            } else if (stored != null) {
                int length = stored.pieceLength(piece);
                if (length >= 0) {
                    source = stored;
                    pieceLength = length;
                    digests.add(stored.pieceDigest(piece)); // pieces are handed out in order: index = number
                    continue;
                }
            }
            try {
                download.awaitChange(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for piece " + piece);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
    }

    @Override
    public int pieceSize() {
        return source == null ? -1 : source.pieceSize();
    }

    @Override
    public List<String> digestsHandedOut() {
        return Collections.unmodifiableList(digests);
    }

    @Override
    public String verifiedDigest() {
        if (!atEnd) {
            return null;
        }
        try {
            DownloadResult r = download.completion().get(RESULT_WAIT_SECONDS, TimeUnit.SECONDS);
            return r.digest();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (Exception e) {
            return null;
        }
    }
}
