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
 * @param peerFetchLimit       most pieces one peer fetches at once (assigned to it, not yet reported),
 *                             whatever its pull asks for; it also caps the seed's parallelism, so a
 *                             seed transfer never shares its destination's download link with more
 *                             than this many. The supernode sets it to {@code peerUploadLimit}
 *                             ({@link #withPeerFetchLimit}): with matched slots every transfer gets a
 *                             whole link at both ends, and a piece lands (and is passed on) soonest.
 *                             {@link #NO_FETCH_LIMIT} (the other constructors): the pull's maxPieces only
 * @param flowMillis           full-rate transfers: while a transfer assigned less than this long ago is
 *                             still running at one end, that end gets no other new one — a peer is given
 *                             a new piece only while none of its fetches is that young, and a source (peer
 *                             or seed) is chosen only while none of its uploads is; the upload and fetch
 *                             limits still cap everything in flight, older ones included. Each transfer
 *                             then has a whole link at both ends (a piece is passed on three times sooner
 *                             than with three shared slots), while a transfer that stalls (a trickling
 *                             source, a slow link) stops blocking its ends after {@code flowMillis}, so the
 *                             limits' other slots still route around it. The supernode sets
 *                             {@link #DEFAULT_FLOW_MILLIS} ({@link #withFlowMillis}); 0 (the other
 *                             constructors): off, every slot up to the limits is used at once
 */
public record SchedulerLimits(int peerUploadLimit, int supernodeUploadLimit, int peerMaxFailures,
                              long peerTimeoutMillis, long inFlightTimeoutMillis, int seedParallelism,
                              int seedCopies, long seedDuplicateAfterMillis, boolean startersFirst,
                              int peerFetchLimit, long flowMillis)
        implements Serializable {
    /** {@link #peerFetchLimit()} when only the pull's maxPieces limits a peer. */
    public static final int NO_FETCH_LIMIT = Integer.MAX_VALUE;

    /** Default {@link #seedParallelism()}: equal to the peers' download and upload slots (3 each by
     *  default), so a seed transfer gets its destination's full share; bench/simulate measured unequal
     *  limits much worse (e.g. seed 1 with peers at 3: 2.1 × T* against 1.36 × at N = 10,000). */
    public static final int DEFAULT_SEED_PARALLELISM = 3;
    /** Default {@link #seedCopies()}: one copy from the seed, then peers trade it. */
    public static final int DEFAULT_SEED_COPIES = 1;
    /** Default {@link #seedDuplicateAfterMillis()}. */
    public static final long DEFAULT_SEED_DUPLICATE_AFTER_MILLIS = 3_000;

    /**
     * {@link #flowMillis()} as the supernode runs it: four times a 12 MiB piece at 100 MB/s (126 ms), about
     * one held pull (bench/simulate, N = 10,000 at peer-upload-limit 3: p50 1.34 → 1.22 × T*).
     */
    public static final long DEFAULT_FLOW_MILLIS = 500;

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

    /** The limits with an explicit seeding and start-up policy, and no fetch limit. */
    public SchedulerLimits(int peerUploadLimit, int supernodeUploadLimit, int peerMaxFailures,
                           long peerTimeoutMillis, long inFlightTimeoutMillis, int seedParallelism,
                           int seedCopies, long seedDuplicateAfterMillis, boolean startersFirst) {
        this(peerUploadLimit, supernodeUploadLimit, peerMaxFailures, peerTimeoutMillis, inFlightTimeoutMillis,
                seedParallelism, seedCopies, seedDuplicateAfterMillis, startersFirst, NO_FETCH_LIMIT, 0);
    }

    /** The limits with an explicit seeding and start-up policy and a fetch limit; full-rate transfers off. */
    public SchedulerLimits(int peerUploadLimit, int supernodeUploadLimit, int peerMaxFailures,
                           long peerTimeoutMillis, long inFlightTimeoutMillis, int seedParallelism,
                           int seedCopies, long seedDuplicateAfterMillis, boolean startersFirst, int peerFetchLimit) {
        this(peerUploadLimit, supernodeUploadLimit, peerMaxFailures, peerTimeoutMillis, inFlightTimeoutMillis,
                seedParallelism, seedCopies, seedDuplicateAfterMillis, startersFirst, peerFetchLimit, 0);
    }

    public SchedulerLimits {
        if (peerFetchLimit < 1) {
            throw new IllegalArgumentException("peerFetchLimit must be at least 1: " + peerFetchLimit);
        }
        if (flowMillis < 0) {
            throw new IllegalArgumentException("flowMillis must not be negative: " + flowMillis);
        }
    }

    /** The same limits with {@link #startersFirst()} set. */
    public SchedulerLimits withStartersFirst(boolean on) {
        return new SchedulerLimits(peerUploadLimit, supernodeUploadLimit, peerMaxFailures, peerTimeoutMillis,
                inFlightTimeoutMillis, seedParallelism, seedCopies, seedDuplicateAfterMillis, on, peerFetchLimit, flowMillis);
    }

    /** The same limits with {@link #peerFetchLimit()} set (the supernode: its {@code peerUploadLimit}). */
    public SchedulerLimits withPeerFetchLimit(int limit) {
        return new SchedulerLimits(peerUploadLimit, supernodeUploadLimit, peerMaxFailures, peerTimeoutMillis,
                inFlightTimeoutMillis, seedParallelism, seedCopies, seedDuplicateAfterMillis, startersFirst, limit, flowMillis);
    }

    /** The same limits with {@link #flowMillis()} set (the supernode: {@link #DEFAULT_FLOW_MILLIS}); 0 = off. */
    public SchedulerLimits withFlowMillis(long millis) {
        return new SchedulerLimits(peerUploadLimit, supernodeUploadLimit, peerMaxFailures, peerTimeoutMillis,
                inFlightTimeoutMillis, seedParallelism, seedCopies, seedDuplicateAfterMillis, startersFirst,
                peerFetchLimit, millis);
    }

    /** Whether {@link #flowMillis()} is on. */
    public boolean fullRate() {
        return flowMillis > 0;
    }

    /** Most pieces one supernode member uploads at once for one task (never more than a peer fetches at once). */
    public int effectiveSeedUploadLimit() {
        return Math.min(Math.min(supernodeUploadLimit, seedParallelism), peerFetchLimit);
    }

    public static SchedulerLimits defaults() {
        return new SchedulerLimits(3, 64, 5, 30_000, 60_000);
    }
}
