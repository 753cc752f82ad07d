package io.dfly.engine;

import java.util.Locale;
import java.util.concurrent.atomic.LongAdder;

/** Counters of one engine (one host), served as Prometheus text by dfdaemon at {@code /api/v1/metrics}. */
public final class EngineMetrics {
    final LongAdder bytesFromPeers = new LongAdder();
    final LongAdder bytesFromSupernode = new LongAdder();
    final LongAdder bytesFromOrigin = new LongAdder();
    final LongAdder bytesUploaded = new LongAdder();
    final LongAdder piecesUploaded = new LongAdder();
    final LongAdder piecesFailed = new LongAdder();
    final LongAdder uploadsRefused = new LongAdder();
    final LongAdder fallbacks = new LongAdder();
    final LongAdder downloadsStarted = new LongAdder();
    final LongAdder downloadsSucceeded = new LongAdder();
    final LongAdder downloadsFailed = new LongAdder();

    public long bytesFromPeers() { return bytesFromPeers.sum(); }
    public long bytesFromSupernode() { return bytesFromSupernode.sum(); }
    public long bytesFromOrigin() { return bytesFromOrigin.sum(); }
    public long bytesUploaded() { return bytesUploaded.sum(); }
    public long piecesUploaded() { return piecesUploaded.sum(); }
    /** Pieces that arrived broken (refused, short, wrong digest) and had to be fetched again. */
    public long piecesFailed() { return piecesFailed.sum(); }
    /** Piece requests refused with 403: no valid host token, or no valid grant for that piece and peer. */
    public long uploadsRefused() { return uploadsRefused.sum(); }
    /** Downloads that went straight to the origin because P2P was not possible. */
    public long fallbacks() { return fallbacks.sum(); }
    public long downloadsStarted() { return downloadsStarted.sum(); }
    public long downloadsSucceeded() { return downloadsSucceeded.sum(); }
    public long downloadsFailed() { return downloadsFailed.sum(); }

    /** Prometheus text exposition format. */
    public String prometheusText() {
        StringBuilder sb = new StringBuilder();
        counter(sb, "dfly_engine_bytes_from_peers_total", "Bytes downloaded from other peers", bytesFromPeers());
        counter(sb, "dfly_engine_bytes_from_supernode_total", "Bytes downloaded from supernodes", bytesFromSupernode());
        counter(sb, "dfly_engine_bytes_from_origin_total", "Bytes downloaded straight from the origin", bytesFromOrigin());
        counter(sb, "dfly_engine_bytes_uploaded_total", "Bytes served to other peers", bytesUploaded());
        counter(sb, "dfly_engine_pieces_uploaded_total", "Pieces served to other peers", piecesUploaded());
        counter(sb, "dfly_engine_pieces_failed_total", "Pieces rejected (refused, short read, wrong digest)", piecesFailed());
        counter(sb, "dfly_engine_uploads_refused_total", "Piece requests refused (no host token or piece grant)",
                uploadsRefused());
        counter(sb, "dfly_engine_fallbacks_total", "Downloads that fell back to the origin", fallbacks());
        counter(sb, "dfly_engine_downloads_started_total", "Downloads started", downloadsStarted());
        counter(sb, "dfly_engine_downloads_succeeded_total", "Downloads completed and verified", downloadsSucceeded());
        counter(sb, "dfly_engine_downloads_failed_total", "Downloads that failed", downloadsFailed());
        return sb.toString();
    }

    private static void counter(StringBuilder sb, String name, String help, long value) {
        sb.append("# HELP ").append(name).append(' ').append(help).append('\n');
        sb.append("# TYPE ").append(name).append(" counter\n");
        sb.append(name).append(' ').append(String.format(Locale.ROOT, "%d", value)).append('\n');
    }
}
