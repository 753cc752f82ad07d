package io.dfly.mirror;

import io.dfly.core.security.SafeText;
import io.dfly.core.download.DownloadException;
import io.dfly.core.download.DownloadHandle;
import io.dfly.core.download.DownloadProgress;
import io.dfly.core.download.DownloadRequest;
import io.dfly.core.download.Downloader;
import io.dfly.core.download.VerifiedPieceStream;
import io.dfly.core.piece.Digests;
import io.dfly.core.security.Credentials;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Blobs. Every request first asks upstream (HEAD, with the client's own credentials) whether this client
 * may read the blob and how big it is; a refusal is relayed as is and nothing is fetched. Large blobs
 * then travel through the {@link Downloader} (P2P) as the task of the registry's own blob URL and digest
 * (so scoped to that registry's origin); small ones, Range requests and non-sha256 digests pass straight
 * through. Bytes are verified against the URL's digest (by the engine, whose stream vouches for every piece and the
 * whole file, so they are not hashed twice; else here); if P2P fails the rest comes from the origin directly, and
 * what was already sent is checked again against it ({@link VerifyingSink}).
 */
public final class BlobProxy {
    private static final Logger LOG = Logger.getLogger(BlobProxy.class.getName());
    private final Supplier<Downloader> downloader;
    private final MirrorConfig config;

    /** @param downloader supplies the P2P engine, or null when there is none (then blobs pass through) */
    public BlobProxy(Supplier<Downloader> downloader, MirrorConfig config) {
        this.downloader = downloader;
        this.config = config;
    }

    public MirrorResponse serve(MirrorRequest request, UpstreamAuthenticator.Session session, URI blobUri,
                                String digest) throws IOException {
        boolean head = request.method().equals("HEAD");
        HttpResponse<InputStream> probe = session.send("HEAD", blobUri, Map.of());
        Relay.close(probe.body());
        if (probe.statusCode() != 200) {
            if (head) {
                return Relay.relay(probe, false);
            }
            // the GET gives the client upstream's own error body
            return Relay.relay(session.send("GET", blobUri, Map.of()), true);
        }
        long size = probe.headers().firstValueAsLong("content-length").orElse(-1);
        if (head) {
            MirrorResponse r = Relay.relay(probe, false);
            if (r.header("Docker-Content-Digest") == null && Digests.isValid(digest)) {
                r.header("Docker-Content-Digest", digest);
            }
            return r;
        }
        String range = request.header("range");
        Downloader engine = downloader == null ? null : downloader.get();
        if (range != null || engine == null || !Digests.isValid(digest) || size < 0 || size < config.p2pMinSize()) {
            Map<String, List<String>> h = range == null ? Map.of() : Map.of("Range", List.of(range));
            return Relay.relay(session.send("GET", blobUri, h), true);
        }
        // The task is the registry's own blob URL, never where its HEAD redirected (object storage that
        // several registries may share): task ids are scoped by this URL's origin, so bytes one registry
        // vouched for are never served on another's word. The engine follows the registry's redirect itself.
        Map<String, String> engineHeaders = new LinkedHashMap<>(Credentials.strip(session.extraHeaders()));
        String auth = session.authorization(); // what this client's request used at this registry, for this URL only
        if (auth != null) {
            engineHeaders.put("Authorization", auth);
        }
        DownloadRequest dr = new DownloadRequest(blobUri.toString(), engineHeaders, digest, null, config.backToSource());
        String contentType = probe.headers().firstValue("content-type").orElse("application/octet-stream");
        return new MirrorResponse(200)
                .header("Content-Type", contentType)
                .header("Content-Length", String.valueOf(size))
                .header("Docker-Content-Digest", digest)
                .header("Docker-Distribution-API-Version", "registry/2.0")
                .body(out -> stream(engine, dr, session, blobUri, digest, size, out));
    }

    private void stream(Downloader engine, DownloadRequest dr, UpstreamAuthenticator.Session session, URI blobUri,
                        String digest, long size, OutputStream out) throws IOException {
        VerifyingSink sink = new VerifyingSink(out, digest, size);
        byte[] buf = new byte[256 * 1024];
        DownloadHandle handle = null;
        String p2pFailure = null;
        VerifiedPieceStream verified = null;
        try {
            handle = engine.start(dr);
        } catch (DownloadException | RuntimeException e) {
            p2pFailure = "could not start: " + SafeText.scrub(e.getMessage());
        }
        if (handle != null) {
            InputStream in = null;
            try {
                in = handle.openStream();
                if (in instanceof VerifiedPieceStream v) {
                    verified = v; // the engine checks every piece and the whole file: no second hash here
                    sink.trustUpstream();
                }
                while (true) {
                    int n;
                    try {
                        n = in.read(buf);
                    } catch (IOException | RuntimeException e) {
                        p2pFailure = "failed after " + sink.accepted() + " bytes: " + SafeText.scrub(e.getMessage());
                        break;
                    }
                    if (n < 0) {
                        break;
                    }
                    sink.write(buf, 0, n); // a client that went away ends the request here
                }
            } catch (RuntimeException e) {
                p2pFailure = "could not open stream: " + SafeText.scrub(e.getMessage());
            } finally {
                if (in != null) {
                    Relay.close(in);
                }
            }
            if (p2pFailure == null && sink.accepted() == size) {
                String vouched = verified == null ? null : verified.verifiedDigest();
                if (sink.hashing() || digest.equals(vouched)) {
                    DownloadProgress p = handle.progress();
                    LOG.info("dfly mirror: blob " + digest + " (" + size + " bytes) served through P2P: fromPeers="
                            + p.fromPeers() + " fromSupernode=" + p.fromSupernode() + " fromOrigin=" + p.fromOrigin());
                    sink.finishVerified(vouched);
                    return;
                }
                p2pFailure = "the download did not vouch for the digest (it says " + vouched + ")";
            }
        }
        if (p2pFailure == null) {
            p2pFailure = "stream ended after " + sink.accepted() + " of " + size + " bytes";
        }
        if (sink.hashing() && sink.accepted() == size) {
            // all bytes arrived but the engine reported a failure (e.g. digest): verify ourselves, abort if bad
            sink.finish();
            return;
        }
        LOG.log(Level.WARNING, "dfly mirror: P2P download of blob {0} {1}; fetching the rest from the origin",
                new Object[]{digest, p2pFailure});
        long from = sink.accepted();
        if (!sink.hashing()) {
            // the bytes passed on were not hashed here: read the blob again from byte 0, checking them piece by piece
            sink.restartChecking(verified.pieceSize(), verified.digestsHandedOut());
            from = 0;
        }
        Map<String, List<String>> h = from > 0 ? Map.of("Range", List.of("bytes=" + from + "-")) : Map.of();
        HttpResponse<InputStream> r = session.send("GET", blobUri, h);
        try (InputStream in = r.body()) {
            long skip = 0;
            if (r.statusCode() == 200) {
                skip = from;
            } else if (r.statusCode() != 206 || from == 0) {
                throw new IOException("origin answered HTTP " + r.statusCode() + " for blob " + digest);
            }
            in.skipNBytes(skip);
            int n;
            while ((n = in.read(buf)) >= 0) {
                sink.write(buf, 0, n);
            }
        }
        sink.finish();
    }
}
