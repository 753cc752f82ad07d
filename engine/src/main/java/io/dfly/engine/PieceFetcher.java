package io.dfly.engine;

import io.dfly.core.piece.Digests;
import io.dfly.core.protocol.PieceAssignment;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.time.Duration;

/**
 * Fetches one assigned piece from its source over HTTP and checks it: status 200, exactly the assigned
 * length, and the assigned sha256. Bytes that fail any check never leave this class. No origin header
 * is ever sent to a peer.
 */
public final class PieceFetcher {
    private static final int CHUNK = 64 * 1024;
    private final HttpClient http;
    private final TokenBucket downloadBucket;

    public PieceFetcher(HttpClient http, TokenBucket downloadBucket) {
        this.http = http;
        this.downloadBucket = downloadBucket;
    }

    /** The verified bytes of the piece. */
    public byte[] fetch(PieceAssignment a) throws PieceFetchException, InterruptedException {
        HttpResponse<InputStream> r;
        try {
            r = http.send(HttpRequest.newBuilder(URI.create(a.sourceUrl())).timeout(Duration.ofSeconds(60)).GET().build(),
                    HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw new PieceFetchException("source " + a.sourcePeerId() + " failed: " + SupernodeClient.describe(e));
        }
        try (InputStream in = r.body()) {
            if (r.statusCode() != 200) {
                throw new PieceFetchException("source " + a.sourcePeerId() + " answered HTTP " + r.statusCode());
            }
            byte[] data = new byte[a.length()];
            MessageDigest md = Digests.newSha256();
            int pos = 0;
            while (pos < data.length) {
                int want = Math.min(CHUNK, data.length - pos);
                downloadBucket.acquire(want);
                int n = in.read(data, pos, want);
                if (n < 0) {
                    throw new PieceFetchException("short read from " + a.sourcePeerId() + " (" + pos + " of "
                            + data.length + " bytes)");
                }
                md.update(data, pos, n);
                pos += n;
            }
            if (in.read() >= 0) {
                throw new PieceFetchException("source " + a.sourcePeerId() + " sent more than " + data.length + " bytes");
            }
            String got = Digests.format(md);
            if (!got.equals(a.digest())) {
                throw new PieceFetchException("digest mismatch from " + a.sourcePeerId() + " (got " + got + ", want "
                        + a.digest() + ")");
            }
            return data;
        } catch (IOException e) {
            throw new PieceFetchException("reading from " + a.sourcePeerId() + " failed: " + SupernodeClient.describe(e));
        }
    }
}
