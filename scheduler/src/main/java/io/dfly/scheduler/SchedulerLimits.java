package io.dfly.scheduler;

import java.io.Serializable;

/**
 * The limits a scheduler respects.
 *
 * @param peerUploadLimit      most pieces one peer uploads at once (Dragonfly: 5; dfly: 3, equal to the
 *                             peers' piece-parallelism, measured faster in bench/simulate)
 * @param supernodeUploadLimit most pieces one supernode member uploads at once (the operator's cap)
 * @param peerMaxFailures      a source with this many failed pieces is never used again (Dragonfly: 5)
 * @param peerTimeoutMillis    a peer silent longer than this is not a source
 * @param inFlightTimeoutMillis an assignment nobody reported on within this time stops counting as load
 * @param seedParallelism      most pieces one supernode member uploads at once for this task, whatever
 *                             {@code supernodeUploadLimit} allows: few fast seed transfers get each
 *                             piece's first copy into the swarm sooner than many slow ones, and the
 *                             peers spread it (the seed's bytes go into new pieces, not parallelism)
 * @param seedCopies           the seed uploads a piece only while fewer than this many copies of it
 *                             are held by peers or in flight to peers (1 = BitTorrent super-seeding:
 *                             one copy, then the peers trade it)
 * @param seedDuplicateAfterMillis starvation guard: a peer refused a seed upload by the
 *                             {@code seedCopies} rule for this long (no assignment at all meanwhile)
 *                             gets the seed's copy anyway if the seed has a free slot
 * @param startersFirst        while peers that hold no piece are waiting (heard from within the last
 *                             second), peers that already hold pieces get nothing, so every holder's
 *                             upload goes to a newcomer; and a peer's first piece comes alone and from
 *                             an idle holder (the seed aside), so it lands at full speed and the newcomer
 *                             becomes an uploader as soon as possible: the number of uploaders doubles
 *                             every round trip of the herd's re-asks instead of crawling
 */
public record SchedulerLimits(int peerUploadLimit, int supernodeUploadLimit, int peerMaxFailures,
                              long peerTimeoutMillis, long inFlightTimeoutMillis, int seedParallelism,
                              int seedCopies, long seedDuplicateAfterMillis, boolean startersFirst)
        implements Serializable {
    /** Default {@link #seedParallelism()}: equal to the peers' download and upload slots (3 each by
     *  default), so a seed transfer gets its destination's full share; bench/simulate measured unequal
     *  limits much worse (e.g. seed 1 with peers at 3: 2.1 × T* against 1.36 × at N = 10,000). */
    public static final int DEFAULT_SEED_PARALLELISM = 3;
    /** Default {@link #seedCopies()}: one copy from the seed, then peers trade it. */
    public static final int DEFAULT_SEED_COPIES = 1;
    /** Default {@link #seedDuplicateAfterMillis()}. */
    public static final long DEFAULT_SEED_DUPLICATE_AFTER_MILLIS = 3_000;

    /** Default {@link #startersFirst()}. */
    public static final boolean DEFAULT_STARTERS_FIRST = true;

    /** The five limits the supernode configures, with the default seeding and start-up policy. */
    public SchedulerLimits(int peerUploadLimit, int supernodeUploadLimit, int peerMaxFailures,
                           long peerTimeoutMillis, long inFlightTimeoutMillis) {
        this(peerUploadLimit, supernodeUploadLimit, peerMaxFailures, peerTimeoutMillis, inFlightTimeoutMillis,
                DEFAULT_SEED_PARALLELISM, DEFAULT_SEED_COPIES, DEFAULT_SEED_DUPLICATE_AFTER_MILLIS);
    }

    /** The limits with an explicit seeding policy and the default start-up policy ({@link #startersFirst()}). */
    public SchedulerLimits(int peerUploadLimit, int supernodeUploadLimit, int peerMaxFailures,
                           long peerTimeoutMillis, long inFlightTimeoutMillis, int seedParallelism,
                           int seedCopies, long seedDuplicateAfterMillis) {
        this(peerUploadLimit, supernodeUploadLimit, peerMaxFailures, peerTimeoutMillis, inFlightTimeoutMillis,
                seedParallelism, seedCopies, seedDuplicateAfterMillis, DEFAULT_STARTERS_FIRST);
    }

    /** The same limits with {@link #startersFirst()} set. */
    public SchedulerLimits withStartersFirst(boolean on) {
        return new SchedulerLimits(peerUploadLimit, supernodeUploadLimit, peerMaxFailures, peerTimeoutMillis,
                inFlightTimeoutMillis, seedParallelism, seedCopies, seedDuplicateAfterMillis, on);
    }

    /** Most pieces one supernode member uploads at once for one task. */
    public int effectiveSeedUploadLimit() {
        return Math.min(supernodeUploadLimit, seedParallelism);
    }

    public static SchedulerLimits defaults() {
        return new SchedulerLimits(3, 64, 5, 30_000, 60_000);
    }
}
