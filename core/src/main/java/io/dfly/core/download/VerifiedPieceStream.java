package io.dfly.core.download;

import java.util.List;

/**
 * What a download stream ({@link DownloadHandle#openStream()}) can vouch for: every byte it hands out belongs to a
 * piece verified against its sha256, and it ends normally only after the whole file matched the digest it was
 * downloaded for. A reader that checks {@link #verifiedDigest()} at the end need not hash the bytes once more; a
 * reader that must splice other bytes (from the origin) onto what it already passed on can check them against the
 * digests of the pieces it was handed ({@link #digestsHandedOut()}), so nothing unchecked is ever completed.
 */
public interface VerifiedPieceStream {
    /** The download's piece size (every piece but the last is this long), or -1 before any byte was handed out. */
    int pieceSize();

    /** The digest of every piece this stream handed out bytes of, from piece 0 on, in order (the last possibly in part). */
    List<String> digestsHandedOut();

    /**
     * The whole file's digest, as verified by the download, once this stream reached its normal end; null before
     * that, or when the download cannot say.
     */
    String verifiedDigest();
}
