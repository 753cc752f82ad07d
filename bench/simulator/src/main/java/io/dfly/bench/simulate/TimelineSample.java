package io.dfly.bench.simulate;

/**
 * The state of a run at one simulated instant.
 *
 * @param time          simulated seconds
 * @param delivered     fraction of all bytes (N·S) delivered so far
 * @param donePeers     peers finished
 * @param downloading   peers present and not finished
 * @param peerUploads   piece transfers in flight from peers
 * @param seedUploads   piece transfers in flight from the CDN copy
 * @param piecesInSwarm distinct pieces the peers hold between them
 * @param calls         {@code schedule()} calls since the previous sample
 * @param waits         of which assigned nothing
 */
public record TimelineSample(double time, double delivered, int donePeers, int downloading, int peerUploads,
                             int seedUploads, int piecesInSwarm, long calls, long waits) {
    /** Downloads in flight per downloading peer (at most piece-parallelism). */
    public double inFlightPerPeer() {
        return downloading == 0 ? 0 : (peerUploads + seedUploads) / (double) downloading;
    }
}
