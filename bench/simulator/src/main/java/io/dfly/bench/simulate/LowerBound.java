package io.dfly.bench.simulate;

/**
 * The time below which no scheme can distribute S bytes from one seed (upload u_s) to N peers (upload
 * u_i, download d_i) — Mundinger, Weber &amp; Weiss: T* = max(S/u_s, S/min d_i, N·S/(u_s + Σu_i)).
 */
final class LowerBound {
    private LowerBound() {
    }

    /** @return T* in seconds (rates in bytes/s) */
    static double seconds(long fileBytes, double seedUpload, double[] peerUpload, double[] peerDownload) {
        double s = fileBytes;
        double minDown = Double.POSITIVE_INFINITY;
        double sumUp = seedUpload;
        for (int i = 0; i < peerUpload.length; i++) {
            sumUp += peerUpload[i];
            minDown = Math.min(minDown, peerDownload[i]);
        }
        double t = s / seedUpload;
        if (peerDownload.length > 0) {
            t = Math.max(t, s / minDown);
        }
        return Math.max(t, peerUpload.length * s / sumUp);
    }
}
