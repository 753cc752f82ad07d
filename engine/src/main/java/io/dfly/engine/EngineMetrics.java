package io.dfly.engine;

import io.dfly.core.metrics.Counter;
import io.dfly.core.metrics.Meters;
import io.dfly.core.metrics.Timer;

import java.util.EnumMap;
import java.util.Map;

/**
 * Counters and timers of one engine (one host), made by the {@link Meters} it was given: dfdaemon exports
 * them at {@code /metrics} (MicroProfile Metrics), dfget alone keeps them in memory.
 */
public final class EngineMetrics {
    final Counter bytesFromPeers;
    final Counter bytesFromSupernode;
    final Counter bytesFromOrigin;
    final Counter bytesUploaded;
    final Counter piecesUploaded;
    final Counter uploadsRefused;
    final Counter fallbacks;
    final Counter downloadsStarted;
    final Counter downloadsSucceeded;
    final Counter downloadsFailed;
    private final Map<PieceFetchException.Cause, Counter> piecesFailed = new EnumMap<>(PieceFetchException.Cause.class);
    /** From the start of a download to its end (succeeded or failed). */
    final Timer downloadTime;
    /** One piece fetched and verified, from a peer or a supernode. */
    final Timer pieceFetchTime;

    /** Kept in memory only. */
    public EngineMetrics() {
        this(Meters.inMemory());
    }

    public EngineMetrics(Meters m) {
        bytesFromPeers = m.counter("dfly_engine_bytes_from_peers", "Bytes downloaded from other peers");
        bytesFromSupernode = m.counter("dfly_engine_bytes_from_supernode", "Bytes downloaded from supernodes (their CDN)");
        bytesFromOrigin = m.counter("dfly_engine_bytes_from_origin", "Bytes downloaded straight from the origin (fallback)");
        bytesUploaded = m.counter("dfly_engine_bytes_uploaded", "Bytes served to other peers");
        piecesUploaded = m.counter("dfly_engine_pieces_uploaded", "Pieces served to other peers");
        uploadsRefused = m.counter("dfly_engine_uploads_refused", "Piece requests refused (no host token or piece grant)");
        fallbacks = m.counter("dfly_engine_fallbacks", "Downloads that fell back to the origin");
        downloadsStarted = m.counter("dfly_engine_downloads_started", "Downloads started");
        downloadsSucceeded = m.counter("dfly_engine_downloads_succeeded", "Downloads completed and verified");
        downloadsFailed = m.counter("dfly_engine_downloads_failed", "Downloads that failed");
        for (PieceFetchException.Cause c : PieceFetchException.Cause.values()) {
            piecesFailed.put(c, m.counter("dfly_engine_pieces_failed",
                    "Pieces rejected and fetched again, by cause (refused, length, digest, deadline, connection)",
                    "cause", c.tag()));
        }
        downloadTime = m.timer("dfly_engine_download", "Time of one download (a task), from start to end");
        pieceFetchTime = m.timer("dfly_engine_piece_fetch", "Time to fetch and verify one piece from a peer or supernode");
    }

    void pieceFailed(PieceFetchException.Cause cause) {
        piecesFailed.get(cause).increment();
    }

    public long bytesFromPeers() { return bytesFromPeers.count(); }
    public long bytesFromSupernode() { return bytesFromSupernode.count(); }
    public long bytesFromOrigin() { return bytesFromOrigin.count(); }
    public long bytesUploaded() { return bytesUploaded.count(); }
    public long piecesUploaded() { return piecesUploaded.count(); }
    /** Pieces that arrived broken (refused, short, wrong digest, late) and had to be fetched again. */
    public long piecesFailed() { return piecesFailed.values().stream().mapToLong(Counter::count).sum(); }
    public long piecesFailed(PieceFetchException.Cause cause) { return piecesFailed.get(cause).count(); }
    /** Piece requests refused with 403: no valid host token, or no valid grant for that piece and peer. */
    public long uploadsRefused() { return uploadsRefused.count(); }
    /** Downloads that went straight to the origin because P2P was not possible. */
    public long fallbacks() { return fallbacks.count(); }
    public long downloadsStarted() { return downloadsStarted.count(); }
    public long downloadsSucceeded() { return downloadsSucceeded.count(); }
    public long downloadsFailed() { return downloadsFailed.count(); }
    /** Downloads timed so far. */
    public long downloadsTimed() { return downloadTime.count(); }
    /** Pieces timed so far. */
    public long piecesTimed() { return pieceFetchTime.count(); }
}
