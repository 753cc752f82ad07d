package io.dfly.scheduler;

import java.io.Serializable;

/**
 * The limits a scheduler respects.
 *
 * @param peerUploadLimit      most pieces one peer uploads at once (Dragonfly: 5)
 * @param supernodeUploadLimit most pieces one supernode member uploads at once
 * @param peerMaxFailures      a source with this many failed pieces is never used again (Dragonfly: 5)
 * @param peerTimeoutMillis    a peer silent longer than this is not a source
 * @param inFlightTimeoutMillis an assignment nobody reported on within this time stops counting as load
 */
public record SchedulerLimits(int peerUploadLimit, int supernodeUploadLimit, int peerMaxFailures,
                              long peerTimeoutMillis, long inFlightTimeoutMillis) implements Serializable {
    public static SchedulerLimits defaults() {
        return new SchedulerLimits(5, 64, 5, 30_000, 60_000);
    }
}
