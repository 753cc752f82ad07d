package io.dfly.mirror;

import io.dfly.core.piece.Digests;

import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.util.List;

/**
 * Writes blob bytes to the client while verifying them, always holding back the most recent chunk. Only a
 * finish releases it, and only when length and digest match; so a blob that turns out bad reaches the client
 * truncated (aborted), never complete.
 *
 * <p>Bytes are verified one of two ways. By default the sink hashes them itself ({@link #finish()}). Bytes from a
 * stream that verified them already ({@link io.dfly.core.download.VerifiedPieceStream}: every piece checked, and the
 * whole file against the same digest) are not hashed again ({@link #trustUpstream()}, then
 * {@link #finishVerified(String)} with the digest that stream vouches for). If such a stream fails part way, the rest
 * is spliced on from another source read from byte 0 ({@link #restartChecking(int, List)}): the bytes already passed
 * on are not sent again, but hashed and checked piece by piece against the digests of the pieces they came from, so
 * the whole-file digest at the end covers exactly what the client got.
 */
final class VerifyingSink {
    private final OutputStream out;
    private final String expectedDigest;
    private final long expectedLength;
    /** The whole-file digest of the bytes seen in this pass; null while an upstream vouches for them. */
    private MessageDigest md = Digests.newSha256();
    private byte[] held = new byte[0];
    private int heldLength;
    /** Bytes passed on to the client (sent or held). */
    private long accepted;
    /** Bytes seen in the current pass (after a restart they first re-cover what was already passed on). */
    private long position;
    /** While splicing: the digests of the pieces already passed on, which the new source must match; else null. */
    private List<String> recheck;
    private int pieceSize;
    private MessageDigest pieceMd;

    VerifyingSink(OutputStream out, String expectedDigest, long expectedLength) {
        this.out = out;
        this.expectedDigest = expectedDigest;
        this.expectedLength = expectedLength;
    }

    /** Bytes accepted so far (sent or held). */
    long accepted() {
        return accepted;
    }

    /** Whether the sink hashes what it is given (false after {@link #trustUpstream()}, until a restart). */
    boolean hashing() {
        return md != null;
    }

    /** The bytes come from a stream that verifies them (pieces and whole file): they are not hashed here. */
    void trustUpstream() {
        if (position != 0) {
            throw new IllegalStateException("trustUpstream before the first byte only");
        }
        md = null;
    }

    /**
     * The trusted stream failed: the blob is read again from byte 0. The first {@link #accepted()} bytes are not
     * sent again; they are hashed and must match {@code digests} (the pieces they came from, {@code pieceSize}
     * bytes each), piece by piece, or the write that completes a piece throws.
     */
    void restartChecking(int pieceSize, List<String> digests) {
        if (accepted > 0 && (pieceSize <= 0 || (long) digests.size() * pieceSize < accepted)) {
            throw new IllegalStateException("the digests do not cover the " + accepted + " bytes passed on");
        }
        md = Digests.newSha256();
        position = 0;
        this.pieceSize = pieceSize;
        recheck = accepted > 0 ? List.copyOf(digests) : null;
        pieceMd = recheck == null ? null : Digests.newSha256();
    }

    void write(byte[] b, int off, int len) throws IOException {
        if (len <= 0) {
            return;
        }
        if (expectedLength >= 0 && position + len > expectedLength) {
            throw new IOException("blob longer than its announced length " + expectedLength);
        }
        if (md != null) {
            md.update(b, off, len);
        }
        if (recheck != null) {
            checkPieces(b, off, len);
        }
        int seen = (int) Math.max(0, Math.min(len, accepted - position)); // passed on before the restart: checked only
        position += len;
        if (seen == len) {
            return;
        }
        off += seen;
        len -= seen;
        accepted += len;
        if (heldLength > 0) {
            out.write(held, 0, heldLength);
        }
        if (held.length < len) {
            held = new byte[Math.max(len, 64 * 1024)];
        }
        System.arraycopy(b, off, held, 0, len);
        heldLength = len;
    }

    /** Feeds the re-read bytes of pieces passed on before to their piece digest, comparing at each piece's end. */
    private void checkPieces(byte[] b, int off, int len) throws IOException {
        long pos = position;
        int end = off + len;
        while (off < end && recheck != null) {
            int piece = (int) (pos / pieceSize);
            long pieceEnd = (long) (piece + 1) * pieceSize;
            if (expectedLength >= 0) {
                pieceEnd = Math.min(pieceEnd, expectedLength);
            }
            int n = (int) Math.min(end - off, pieceEnd - pos);
            pieceMd.update(b, off, n);
            off += n;
            pos += n;
            if (pos == pieceEnd) {
                String got = Digests.format(pieceMd);
                if (!got.equals(recheck.get(piece))) {
                    throw new IOException("blob " + expectedDigest + ": piece " + piece + " from the origin is not the piece"
                            + " already sent (" + got + ", sent " + recheck.get(piece) + "); response aborted");
                }
                if (piece + 1 >= recheck.size()) {
                    recheck = null; // every piece passed on before is checked again
                }
            }
        }
    }

    /** Verifies, then releases the held chunk and flushes; throws (leaving the response short) on mismatch. */
    void finish() throws IOException {
        if (md == null) {
            throw new IOException("blob " + expectedDigest + " was not hashed here and nobody vouched for it; response aborted");
        }
        checkLength();
        if (recheck != null) {
            throw new IOException("blob " + expectedDigest + " ended before the pieces already sent were checked again");
        }
        String actual = Digests.format(md);
        if (!actual.equals(expectedDigest)) {
            throw new IOException("blob digest mismatch: wanted " + expectedDigest + ", got " + actual + "; response aborted");
        }
        release();
    }

    /**
     * The upstream trusted with {@link #trustUpstream()} reached its end and vouches for {@code verified}: releases
     * the held chunk if that is the expected digest and every byte arrived; throws (response short) otherwise.
     */
    void finishVerified(String verified) throws IOException {
        if (md != null) {
            finish();
            return;
        }
        checkLength();
        if (!expectedDigest.equals(verified)) {
            throw new IOException("blob " + expectedDigest + ": the download vouched for " + verified + "; response aborted");
        }
        release();
    }

    private void checkLength() throws IOException {
        if (expectedLength >= 0 && (accepted != expectedLength || position != expectedLength)) {
            throw new IOException("blob " + expectedDigest + " ended after " + accepted + " of " + expectedLength + " bytes");
        }
    }

    private void release() throws IOException {
        if (heldLength > 0) {
            out.write(held, 0, heldLength);
            heldLength = 0;
        }
        out.flush();
    }
}
