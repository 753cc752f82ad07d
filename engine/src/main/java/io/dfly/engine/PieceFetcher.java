package io.dfly.engine;

import io.dfly.core.piece.Digests;
import io.dfly.core.protocol.PieceAssignment;
import io.dfly.core.security.HostTokens;
import io.dfly.core.security.PieceGrants;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.URI;
import java.nio.ByteBuffer;
import java.security.MessageDigest;

/**
 * Fetches one assigned piece from its source over HTTP and checks it: status 200, exactly the assigned
 * length, and the assigned sha256. The bytes stream straight into the piece's place in the local file
 * (64 KiB at a time, never a whole-piece array) and count as held only after every check passed:
 * bytes that fail a check are never served or read. No origin header is ever sent to a peer: a piece
 * request carries only this host's token (minted for {@code GET} and the piece's raw path) and the
 * supernode's grant for this piece ({@code X-Dfly-Grant}), which the source checks before sending a byte.
 */
public final class PieceFetcher {
    private static final int CHUNK = 64 * 1024;
    private static final int CONNECT_TIMEOUT_MS = 5_000;
    private static final int READ_TIMEOUT_MS = 60_000;
    private final TokenBucket downloadBucket;
    private final HostTokens tokens;
    private final String peerId;

    public PieceFetcher(TokenBucket downloadBucket, HostTokens tokens, String peerId) {
        this.downloadBucket = downloadBucket;
        this.tokens = tokens;
        this.peerId = peerId;
    }

    /**
     * Fetches the piece into {@code into}, verifies it and records it there as held, also feeding its
     * bytes to {@code alsoHash} when not null (a copy of a whole-file digest). Returns its length.
     * Uses {@link HttpURLConnection} (kept-alive connections): for multi-MiB bodies on loopback it measured
     * 2-6x the throughput of {@code java.net.http.HttpClient}'s InputStream body (700-1000 vs 90-350 MB/s).
     */
    public int fetchInto(PieceAssignment a, StoredTask into, MessageDigest alsoHash)
            throws PieceFetchException, InterruptedException, IOException {
        HttpURLConnection c;
        InputStream body;
        try {
            URI u = URI.create(a.sourceUrl());
            c = (HttpURLConnection) u.toURL().openConnection(Proxy.NO_PROXY);
            c.setConnectTimeout(CONNECT_TIMEOUT_MS);
            c.setReadTimeout(READ_TIMEOUT_MS);
            c.setInstanceFollowRedirects(false);
            c.setRequestProperty(HostTokens.HEADER, tokens.authorization(peerId, "GET", u.getRawPath()));
            if (a.grant() != null && !a.grant().isBlank()) {
                c.setRequestProperty(PieceGrants.HEADER, a.grant());
            }
            int status = c.getResponseCode();
            if (status != 200) {
                String why = status == 403 ? errorMessage(c.getErrorStream()) : null;
                if (why == null) {
                    drain(c.getErrorStream());
                }
                throw new PieceFetchException("source " + a.sourcePeerId() + " answered HTTP " + status
                        + (why == null ? "" : " (" + why + ")"));
            }
            body = c.getInputStream();
        } catch (IOException e) {
            throw new PieceFetchException("source " + a.sourcePeerId() + " failed: " + SupernodeClient.describe(e));
        }
        try (InputStream in = body) {
            int length = a.length();
            byte[] chunk = new byte[Math.min(CHUNK, Math.max(1, length))];
            MessageDigest md = Digests.newSha256();
            int pos = 0;
            while (pos < length) {
                int want = Math.min(chunk.length, length - pos);
                downloadBucket.acquire(want);
                int n;
                try {
                    n = in.read(chunk, 0, want);
                } catch (IOException e) {
                    throw new PieceFetchException("reading from " + a.sourcePeerId() + " failed: " + SupernodeClient.describe(e));
                }
                if (n < 0) {
                    throw new PieceFetchException("short read from " + a.sourcePeerId() + " (" + pos + " of "
                            + length + " bytes)");
                }
                md.update(chunk, 0, n);
                if (alsoHash != null) {
                    alsoHash.update(chunk, 0, n);
                }
                into.writeUnverified(a.pieceNum(), pos, ByteBuffer.wrap(chunk, 0, n));
                pos += n;
            }
            try {
                if (in.read() >= 0) {
                    throw new PieceFetchException("source " + a.sourcePeerId() + " sent more than " + length + " bytes");
                }
            } catch (IOException e) {
                throw new PieceFetchException("reading from " + a.sourcePeerId() + " failed: " + SupernodeClient.describe(e));
            }
            String got = Digests.format(md);
            if (!got.equals(a.digest())) {
                throw new PieceFetchException("digest mismatch from " + a.sourcePeerId() + " (got " + got + ", want "
                        + a.digest() + ")");
            }
            into.commitPiece(a.pieceNum(), length, got);
            return length;
        }
    }

    /** The {@code message} of a small JSON error body (a 403's reason), or null. */
    private static String errorMessage(InputStream in) {
        if (in == null) {
            return null;
        }
        try (in) {
            byte[] body = in.readNBytes(4096);
            in.transferTo(OutputStream.nullOutputStream());
            var node = SupernodeClient.JSON.readTree(body);
            return node != null && node.hasNonNull("message") ? node.get("message").asText() : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** Reads an error body to its end so the connection can be reused. */
    private static void drain(InputStream in) {
        if (in == null) {
            return;
        }
        try (in) {
            in.transferTo(OutputStream.nullOutputStream());
        } catch (IOException ignored) {
            // the connection is dropped instead of reused
        }
    }
}
