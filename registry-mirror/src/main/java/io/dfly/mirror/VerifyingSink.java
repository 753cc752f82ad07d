package io.dfly.mirror;

import io.dfly.core.piece.Digests;

import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;

/**
 * Writes blob bytes to the client while hashing them, always holding back the most recent chunk. Only
 * {@link #finish()} releases it, and only when length and digest match; so a blob that turns out bad
 * reaches the client truncated (aborted), never complete.
 */
final class VerifyingSink {
    private final OutputStream out;
    private final String expectedDigest;
    private final long expectedLength;
    private final MessageDigest md = Digests.newSha256();
    private byte[] held = new byte[0];
    private int heldLength;
    private long accepted;

    VerifyingSink(OutputStream out, String expectedDigest, long expectedLength) {
        this.out = out;
        this.expectedDigest = expectedDigest;
        this.expectedLength = expectedLength;
    }

    /** Bytes accepted so far (sent or held). */
    long accepted() {
        return accepted;
    }

    void write(byte[] b, int off, int len) throws IOException {
        if (len <= 0) {
            return;
        }
        if (expectedLength >= 0 && accepted + len > expectedLength) {
            throw new IOException("blob longer than its announced length " + expectedLength);
        }
        md.update(b, off, len);
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

    /** Verifies, then releases the held chunk and flushes; throws (leaving the response short) on mismatch. */
    void finish() throws IOException {
        if (expectedLength >= 0 && accepted != expectedLength) {
            throw new IOException("blob " + expectedDigest + " ended after " + accepted + " of " + expectedLength + " bytes");
        }
        String actual = Digests.format(md);
        if (!actual.equals(expectedDigest)) {
            throw new IOException("blob digest mismatch: wanted " + expectedDigest + ", got " + actual + "; response aborted");
        }
        if (heldLength > 0) {
            out.write(held, 0, heldLength);
            heldLength = 0;
        }
        out.flush();
    }
}
