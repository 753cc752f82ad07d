package io.dfly.bench.simulate;

import io.dfly.scheduler.SchedulerLimits;

/**
 * One simulated run. Rates in bytes per second, times in milliseconds.
 *
 * @param fileBytes         file size S
 * @param peers             N downloading peers
 * @param seedUpload        u_s, the supernode's (CDN's) upload
 * @param peerUpload        u_i of every peer
 * @param peerDownload      d_i of every peer
 * @param parallelism       pieces a peer downloads at once (dfdaemon piece-parallelism, 3)
 * @param peerUploadLimit   pieces a peer uploads at once (supernode peer-upload-limit, 3); the supernode also
 *                          gives a peer at most this many pieces in flight and the seed at most this many
 *                          uploads at once ({@link SchedulerLimits#peerFetchLimit()})
 * @param seedUploadLimit   pieces the supernode uploads at once (supernode seed-upload-limit, 50)
 * @param pollMillis        {@link WaitModel#POLL} only: how long a peer told WAIT waits before asking again,
 *                          unless one of its own pieces lands first (the old supernode answered 200 ms)
 * @param heartbeatMillis   peer heartbeat period (keeps finished peers alive as sources)
 * @param arrivalSpreadMillis peers arrive uniformly at random in [0, this]; 0 = a herd at t = 0
 * @param randomSeed        seeds the scheduler's tie-breaking and the arrivals: same seed, same run
 * @param waitModel         how a pull that finds nothing is answered (see {@link WaitModel})
 * @param holdMillis        {@link WaitModel#HOLD} only: longest a pull is held on the supernode
 *                          ({@code TaskService.PULL_HOLD_MILLIS}, 500)
 * @param startersFirst     {@link SchedulerLimits#startersFirst()} (the supernode's default: on)
 * @param flowMillis        {@link SchedulerLimits#flowMillis()}: full-rate transfers (the supernode's
 *                          {@link SchedulerLimits#DEFAULT_FLOW_MILLIS}; 0 = off, every slot at once)
 */
public record SimulationConfig(long fileBytes, int peers, double seedUpload, double peerUpload, double peerDownload,
                               int parallelism, int peerUploadLimit, int seedUploadLimit, long pollMillis,
                               long heartbeatMillis, long arrivalSpreadMillis, long randomSeed, WaitModel waitModel,
                               long holdMillis, boolean startersFirst, long flowMillis) {
    /** How the supernode answers a pull that finds nothing to assign. */
    public enum WaitModel {
        /** The old supernode: WAIT at once; the peer asks again after {@code pollMillis} (or when a piece of its own lands). */
        POLL,
        /**
         * The supernode now ({@code TaskService.pullHeld}): the pull is held up to {@code holdMillis} and
         * re-run whenever a {@code TaskSignals} wake-up reaches it; a WAIT after the hold says
         * {@value #HELD_WAIT_MILLIS} ms.
         */
        HOLD
    }

    /** {@code TaskService.HELD_WAIT_MILLIS}: the {@code waitMillis} of a WAIT answered after a hold. */
    public static final int HELD_WAIT_MILLIS = 10;
    /** {@code TaskService.PULL_HOLD_MILLIS}. */
    public static final long PULL_HOLD_MILLIS = 500;

    public static final double MB = 1_000_000.0;
    public static final long MIB = 1024L * 1024;
    public static final long GIB = 1024L * MIB;

    /** The defaults: 1 GiB, 100 MB/s everywhere, the shipped dfly limits (3 down, 3 up), a herd, seed 42. */
    public static SimulationConfig defaults(int peers) {
        return new SimulationConfig(GIB, peers, 100 * MB, 100 * MB, 100 * MB, 3, 3, 50, 200, 5_000, 0, 42,
                WaitModel.HOLD, PULL_HOLD_MILLIS, SchedulerLimits.DEFAULT_STARTERS_FIRST, SchedulerLimits.DEFAULT_FLOW_MILLIS);
    }

    public SimulationConfig withFlowMillis(long millis) {
        return new SimulationConfig(fileBytes, peers, seedUpload, peerUpload, peerDownload, parallelism, peerUploadLimit,
                seedUploadLimit, pollMillis, heartbeatMillis, arrivalSpreadMillis, randomSeed, waitModel, holdMillis, startersFirst, millis);
    }

    public SimulationConfig withFileBytes(long bytes) {
        return new SimulationConfig(bytes, peers, seedUpload, peerUpload, peerDownload, parallelism, peerUploadLimit,
                seedUploadLimit, pollMillis, heartbeatMillis, arrivalSpreadMillis, randomSeed, waitModel, holdMillis, startersFirst, flowMillis);
    }

    public SimulationConfig withPeers(int n) {
        return new SimulationConfig(fileBytes, n, seedUpload, peerUpload, peerDownload, parallelism, peerUploadLimit,
                seedUploadLimit, pollMillis, heartbeatMillis, arrivalSpreadMillis, randomSeed, waitModel, holdMillis, startersFirst, flowMillis);
    }

    public SimulationConfig withWaitModel(WaitModel model) {
        return new SimulationConfig(fileBytes, peers, seedUpload, peerUpload, peerDownload, parallelism, peerUploadLimit,
                seedUploadLimit, pollMillis, heartbeatMillis, arrivalSpreadMillis, randomSeed, model, holdMillis, startersFirst, flowMillis);
    }

    public SimulationConfig withStartersFirst(boolean on) {
        return new SimulationConfig(fileBytes, peers, seedUpload, peerUpload, peerDownload, parallelism, peerUploadLimit,
                seedUploadLimit, pollMillis, heartbeatMillis, arrivalSpreadMillis, randomSeed, waitModel, holdMillis, on, flowMillis);
    }

    /** How many held pulls a successful report (or a join) wakes besides the reporter's own: {@code TaskService.wakeOnReport()}. */
    public int wakeOnReport() {
        return peerUploadLimit + 1;
    }

    /** The supernode's limits as the running supernode builds them (timeouts: its defaults; fetch limit = peer-upload-limit). */
    public SchedulerLimits limits() {
        return new SchedulerLimits(peerUploadLimit, seedUploadLimit, 5, 30_000, 60_000).withStartersFirst(startersFirst)
                .withPeerFetchLimit(peerUploadLimit).withFlowMillis(flowMillis);
    }
}
