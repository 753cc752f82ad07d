package io.dfly.bench.simulate;

import java.util.Arrays;
import java.util.List;

/**
 * What one run measured. Times in seconds.
 *
 * @param lowerBound       T* for this configuration
 * @param downloadSeconds  each peer's completion time minus its arrival
 * @param endSeconds       simulated time when the last peer finished
 * @param seedBytes        bytes the supernode's CDN copy uploaded
 * @param peerBytes        bytes peers uploaded to each other
 * @param schedule         wall time of each {@code schedule()} call
 * @param scheduleCpuMicros mean thread CPU time of one {@code schedule()} call, µs (immune to the
 *                         machine's load, unlike the wall-clock samples)
 * @param waitCpuMicros    the same for the calls that found nothing (answered WAIT)
 * @param transferSeconds  summed duration of all piece transfers
 * @param pullCpuMicros    mean thread CPU time of a whole pull (touch + dropGone + expireInFlight + schedule +
 *                         recordAssignment), µs
 * @param emptyDecisions   {@code schedule()} calls that assigned nothing (poll model: each answered WAIT;
 *                         hold model: each kept or ended a hold)
 * @param peakCallsPerSecond most {@code schedule()} calls in one simulated second
 * @param expiredAssignments in-flight assignments dropped by the 60 s timeout (should be 0)
 * @param maxSeedUploads   most pieces the CDN copy uploaded at once
 * @param seedPiecesUnique    pieces the CDN copy sent that no peer had or was fetching
 * @param seedPiecesDuplicate pieces the CDN copy sent that a peer already had or was already fetching
 * @param fullCopyAt       when the peers together first held every piece (the seed's job is done)
 * @param timeline         one sample per simulated second
 * @param wallSeconds      how long the simulation took to run
 * @param heldReruns       hold model: {@code schedule()} calls that re-ran a held pull (woken, or at the
 *                         hold's end); included in {@code schedule}
 * @param holds            hold model: pulls that found nothing and were held
 * @param holdsExpired     hold model: holds that ended without an assignment (answered WAIT, 10 ms)
 */
public record SimulationResult(SimulationConfig config, int pieceSize, int pieceCount, double lowerBound,
                               double[] downloadSeconds, double endSeconds, long seedBytes, long peerBytes,
                               DecisionStats schedule, double scheduleCpuMicros, double waitCpuMicros,
                               double transferSeconds, double pullCpuMicros,
                               long emptyDecisions, int peakCallsPerSecond, long expiredAssignments, int maxSeedUploads,
                               long seedPiecesUnique, long seedPiecesDuplicate, double fullCopyAt,
                               List<TimelineSample> timeline, long events,
                               double wallSeconds, long heldReruns, long holds, long holdsExpired) {

    /** Nearest-rank percentile of the peers' download times. */
    public double percentile(double p) {
        double[] sorted = downloadSeconds.clone();
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    public double max() {
        return Arrays.stream(downloadSeconds).max().orElse(0);
    }

    /** Seed bytes sent divided by the file size (1.0 = the CDN sent exactly one copy). */
    public double seedCopies() {
        return seedBytes / (double) config.fileBytes();
    }

    /** Pieces a peer had in flight on average while it was downloading (at most piece-parallelism). */
    public double meanDownloadsInFlight() {
        return transferSeconds / Arrays.stream(downloadSeconds).sum();
    }

    /** Average rate of one piece transfer, MB/s (10^6 B). */
    public double meanTransferMBps() {
        return (seedBytes + peerBytes) / transferSeconds / SimulationConfig.MB;
    }

    public int scheduleCalls() {
        return schedule.count();
    }

    /** Average decisions per second the supernode must make over the run. */
    public double callsPerSecond() {
        return endSeconds <= 0 ? 0 : scheduleCalls() / endSeconds;
    }
}
