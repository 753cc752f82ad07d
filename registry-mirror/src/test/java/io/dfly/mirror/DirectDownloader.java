package io.dfly.mirror;

import io.dfly.core.download.DownloadException;
import io.dfly.core.download.DownloadHandle;
import io.dfly.core.download.DownloadProgress;
import io.dfly.core.download.DownloadRequest;
import io.dfly.core.download.DownloadResult;
import io.dfly.core.download.Downloader;
import io.dfly.core.download.VerifiedPieceStream;
import io.dfly.core.piece.Digests;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Test stand-in for the P2P engine: downloads straight from the URL and verifies the digest like the engine does. */
final class DirectDownloader implements Downloader {
    final List<DownloadRequest> requests = new ArrayList<>();
    volatile boolean failToStart;
    volatile String failMessage = "no supernode (test)";
    volatile long failAfterBytes = -1;
    /** Streams that vouch for their pieces and the whole file ({@link VerifiedPieceStream}), as the engine's do. */
    volatile boolean vouch;
    /** With {@link #vouch}: flip this byte of what the stream hands out (and vouch for the flipped pieces). */
    volatile long flipByte = -1;
    static final int PIECE = 64 * 1024;

    @Override
    public DownloadHandle start(DownloadRequest request) throws DownloadException {
        requests.add(request);
        if (failToStart) {
            throw new DownloadException(DownloadException.Kind.NO_SOURCE, failMessage);
        }
        return new DownloadHandle() {
            public String taskId() { return "t"; }
            public long contentLength() { return -1; }
            public CompletableFuture<DownloadResult> completion() { return new CompletableFuture<>(); }
            public DownloadProgress progress() { return new DownloadProgress(0, -1, 0, 0, 0); }
            public void cancel() { }

            public InputStream openStream() {
                try {
                    HttpURLConnection c = (HttpURLConnection) new URL(request.url()).openConnection();
                    request.headers().forEach(c::setRequestProperty);
                    if (c.getResponseCode() != 200) {
                        throw new IOException("origin " + c.getResponseCode());
                    }
                    MessageDigest md = Digests.newSha256();
                    if (vouch) {
                        return new VouchingStream(c.getInputStream(), request.digest());
                    }
                    return new FilterInputStream(c.getInputStream()) {
                        long n;

                        @Override
                        public int read(byte[] b, int off, int len) throws IOException {
                            if (failAfterBytes >= 0 && n >= failAfterBytes) {
                                throw new IOException("peer vanished (test)");
                            }
                            int max = failAfterBytes >= 0 ? (int) Math.min(len, failAfterBytes - n) : len;
                            int r = super.read(b, off, Math.max(1, max));
                            if (r < 0) {
                                if (!Digests.format(md).equals(request.digest())) {
                                    throw new IOException("digest mismatch (test engine)");
                                }
                                return -1;
                            }
                            md.update(b, off, r);
                            n += r;
                            return r;
                        }

                        @Override
                        public int read() {
                            throw new UnsupportedOperationException();
                        }
                    };
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        };
    }

    /**
     * Hands out the origin's bytes a whole piece at a time (one byte flipped if asked), recording the digest of each
     * piece it hands out bytes of, as the engine does with the pieces it verified.
     */
    private final class VouchingStream extends FilterInputStream implements VerifiedPieceStream {
        private final String wanted;
        private final MessageDigest whole = Digests.newSha256();
        private final List<String> digests = new ArrayList<>();
        private final byte[] piece = new byte[PIECE];
        private int pieceLength;
        private int pieceOffset;
        private long n;
        private boolean end;

        VouchingStream(InputStream in, String wanted) {
            super(in);
            this.wanted = wanted;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (failAfterBytes >= 0 && n >= failAfterBytes) {
                throw new IOException("peer vanished (test)");
            }
            if (pieceOffset == pieceLength) {
                pieceLength = in.readNBytes(piece, 0, PIECE);
                pieceOffset = 0;
                if (pieceLength == 0) {
                    if (flipByte < 0 && !Digests.format(whole).equals(wanted)) {
                        throw new IOException("digest mismatch (test engine)");
                    }
                    end = true;
                    return -1;
                }
                long start = (long) digests.size() * PIECE;
                if (flipByte >= start && flipByte < start + pieceLength) {
                    piece[(int) (flipByte - start)] ^= 1;
                }
                whole.update(piece, 0, pieceLength);
                digests.add(Digests.sha256(piece, 0, pieceLength));
            }
            int r = Math.min(len, pieceLength - pieceOffset);
            if (failAfterBytes >= 0) {
                r = (int) Math.min(r, failAfterBytes - n);
            }
            System.arraycopy(piece, pieceOffset, b, off, r);
            pieceOffset += r;
            n += r;
            return r;
        }

        @Override
        public int read() {
            throw new UnsupportedOperationException();
        }

        @Override
        public int pieceSize() {
            return digests.isEmpty() ? -1 : PIECE;
        }

        @Override
        public List<String> digestsHandedOut() {
            return digests;
        }

        @Override
        public String verifiedDigest() {
            return end && flipByte < 0 ? wanted : null;
        }
    }
}
