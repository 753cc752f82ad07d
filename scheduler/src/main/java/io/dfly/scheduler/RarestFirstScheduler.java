package io.dfly.scheduler;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Dragonfly's policy with super-seeding: the rarest piece first (fewest copies held by peers or in
 * flight to them); among its holders the least-loaded peer under the upload cap; never a peer that
 * left, went silent or failed too often; a supernode member (the seed) only when no peer can serve the
 * piece.
 *
 * <p>The seed's upload capacity goes into <em>new</em> pieces: it uploads a piece only while fewer than
 * {@link SchedulerLimits#seedCopies()} copies of it are held by live peers or in flight to peers, and at
 * most {@link SchedulerLimits#effectiveSeedUploadLimit()} pieces at once, so each first copy is fast and
 * the peers trade it on. A peer that only the seed could serve, with a piece whose copy is already
 * held or coming, gets nothing (WAIT) for it — except (progress guarantees) when
 * <ul>
 *   <li>the seed has a free slot and nothing new to send: every piece of the (complete) file already has
 *       its copies, so the seed's idle capacity may as well send duplicates; or</li>
 *   <li>the peer has been refused that way for {@link SchedulerLimits#seedDuplicateAfterMillis()} with
 *       no assignment meanwhile (the copy is stuck, or its holders are busy): it gets the seed's copy
 *       if the seed has a free slot.</li>
 * </ul>
 * A copy in flight that is never reported stops counting when {@link TaskSwarm#expireInFlight} drops it.
 *
 * <p>Starters first ({@link SchedulerLimits#startersFirst()}): while other peers that hold no piece
 * and fetch none are waiting (a herd starting together), a peer that already holds pieces gets nothing
 * (WAIT) and a newcomer gets one first piece, from an idle holder or the seed, and nothing more until it
 * lands. Every holder's upload then goes, at full speed, to a peer that has nothing to upload yet, so
 * the uploaders double every re-ask round instead of trading among the first few. A lone newcomer in a
 * warm swarm (nobody else waiting) is not restricted; newcomers silent for a second do not count.
 *
 * <p>Fetch limit ({@link SchedulerLimits#peerFetchLimit()}): a peer is given at most that many pieces
 * in flight at once, whatever its pull asks for, and the seed uploads at most that many at once. The
 * supernode sets it to the peer upload limit: matched slots give every transfer a whole link at both
 * ends, so a piece lands, and is passed on, as soon as it can (bench/simulate: at N = 10,000 with one
 * slot each, p50 1.22 × T* against 1.34 × with three).
 *
 * <p>Full-rate transfers ({@link SchedulerLimits#flowMillis()}, on in the supernode): within those
 * limits, a peer is given a new piece only while none of its fetches was assigned less than
 * {@code flowMillis} ago, and a source (peer or seed) is chosen only while none of its uploads was; among
 * such sources the one with the fewest uploads (stalled ones) still wins. In a healthy swarm every
 * transfer then has a whole link at both ends, as with one slot each (store-and-forward: k shared slots
 * multiply a piece's holders by k + 1 every k piece-times, one full-rate slot doubles them every
 * piece-time), yet a stalled transfer — a trickling source, a slow link — stops holding its ends after
 * {@code flowMillis}, and the other slots route around it as with k slots (bench/simulate, N = 10,000 at
 * peer-upload-limit 3: p50 1.34 → 1.22 × T*).
 *
 * <p>Cost: O(pieces) bit and array operations plus, for each assigned piece, a bounded walk of at most
 * {@value #CANDIDATES_PER_PIECE} of its available holders; never O(members): per-piece counts and
 * the holders under their upload cap are kept incrementally by {@link TaskSwarm}.
 *
 * <p>Ties are broken by the injected random source, so a seeded {@link java.util.Random} makes it
 * deterministic. The only state a decision writes is the asking peer's refusal clock (for the
 * starvation guard above).
 */
public final class RarestFirstScheduler implements PieceScheduler {
    /** Holders looked at per piece before settling (keeps a decision fast in a 10,000-peer swarm). */
    private static final int CANDIDATES_PER_PIECE = 16;
    private final SchedulerLimits limits;
    private final RandomGenerator random;

    public RarestFirstScheduler(SchedulerLimits limits, RandomGenerator random) {
        this.limits = limits;
        this.random = random;
    }

    @Override
    public List<Assignment> schedule(TaskSwarm swarm, String peerId, int maxPieces, long nowMillis) {
        PeerState me = swarm.peer(peerId);
        List<Assignment> out = new ArrayList<>(Math.max(0, Math.min(maxPieces, 8)));
        if (me == null || me.left || maxPieces <= 0) {
            return out;
        }
        // the fetch limit: pieces already assigned to it count against the pull's slots
        int room = limits.peerFetchLimit() == SchedulerLimits.NO_FETCH_LIMIT ? maxPieces
                : limits.peerFetchLimit() - me.fetching.cardinality();
        if (room <= 0) {
            return out;
        }
        maxPieces = Math.min(maxPieces, room);
        if (limits.fullRate()) {
            // full-rate transfers: one flowing fetch at a time (see the class comment)
            if (swarm.fetchesYoungerThan(me, nowMillis, limits.flowMillis()) > 0) {
                return out;
            }
            maxPieces = 1;
        }
        swarm.useUploadCap(limits.peerUploadLimit());
        BitSet wanted = (BitSet) swarm.publishedSet().clone();
        wanted.andNot(me.pieces);
        wanted.andNot(me.fetching);
        int count = wanted.cardinality();
        if (count == 0) {
            return out;
        }
        // starters first (see the class comment)
        boolean firstPiece = false;
        if (limits.startersFirst()) {
            boolean starting = swarm.isStarting(me);
            int othersWaiting = swarm.waitingStarterCount(nowMillis) - (starting ? 1 : 0);
            if (othersWaiting > 0) {
                if (me.pieces.isEmpty()) {
                    if (!starting) {
                        return out; // its first piece comes alone, at full speed
                    }
                    firstPiece = true;
                    maxPieces = 1;
                } else {
                    return out; // the holders' upload goes to peers that have nothing to upload yet
                }
            }
        }
        Decision d = new Decision(swarm, me, Math.min(maxPieces, count), nowMillis);
        // candidates: pieces some peer can serve now, or the seed could (it has a free slot)
        long[] keys = new long[count];
        int[] pieces = new int[count];
        int c = 0;
        for (int n = wanted.nextSetBit(0); n >= 0; n = wanted.nextSetBit(n + 1)) {
            if (swarm.availableHolderCount(n) > 0 || (d.seedFree && d.seedHolds(n))) {
                int copies = swarm.peerHolderCount(n) + swarm.inFlightCount(n);
                keys[c] = ((long) copies << 31) | random.nextInt(Integer.MAX_VALUE);
                pieces[c] = n;
                c++;
            }
        }
        // rarest first: pick the smallest key, c times at most (a selection: usually 1-4 picks are needed)
        boolean refused = false;
        for (int k = 0; k < c && out.size() < maxPieces; k++) {
            int best = k;
            for (int i = k + 1; i < c; i++) {
                if (keys[i] < keys[best]) {
                    best = i;
                }
            }
            long tk = keys[k];
            keys[k] = keys[best];
            keys[best] = tk;
            int piece = pieces[best];
            pieces[best] = pieces[k];
            pieces[k] = piece;

            PeerState source = pickPeer(swarm, me, piece, d, nowMillis);
            if (firstPiece && source != null && source.uploading + d.extraLoad(source) > 0) {
                source = null; // a first piece only from an idle holder
            }
            if (source == null && d.seedFree) {
                if (seedMayUpload(swarm, piece, d, nowMillis)) {
                    source = pickSeed(swarm, piece, d, nowMillis);
                } else if (d.seedHolds(piece)) {
                    refused = true;
                }
            }
            if (source != null) {
                d.addLoad(source);
                out.add(new Assignment(piece, source.id, source.baseUrl));
            }
        }
        if (!out.isEmpty()) {
            me.seedRefusedSinceMillis = -1;
        } else if (refused && me.seedRefusedSinceMillis < 0) {
            me.seedRefusedSinceMillis = nowMillis;
        }
        return out;
    }

    /** Whether the seed may upload this piece to the asking peer (see the class comment). */
    private boolean seedMayUpload(TaskSwarm swarm, int piece, Decision d, long nowMillis) {
        int copies = swarm.inFlightCount(piece) + swarm.peerHolderCount(piece);
        if (copies < limits.seedCopies()) {
            // super-seeding: a new piece goes to a peer that has passed on what it alone had, so the
            // seed's pieces spread over many uploaders instead of piling up behind one peer's cap
            if (!d.holdsUnsharedPiece()) {
                return true;
            }
        } else if (swarm.inFlightCount(piece) < limits.seedCopies()
                && !liveHolderExists(swarm, piece, d.me, nowMillis)) {
            return true; // its holders are all silent, failed or leaving: they are not copies
        }
        long since = d.me.seedRefusedSinceMillis;
        if (since >= 0 && nowMillis - since >= limits.seedDuplicateAfterMillis()) {
            return true; // starvation guard
        }
        return d.nothingNewForSeed();
    }

    /** Whether one of the first few holders of the piece is a peer that can serve (busy or not). */
    private boolean liveHolderExists(TaskSwarm swarm, int piece, PeerState me, long nowMillis) {
        BitSet holders = swarm.holders(piece);
        int looked = 0;
        for (int i = holders.nextSetBit(0); i >= 0 && looked < CANDIDATES_PER_PIECE; i = holders.nextSetBit(i + 1)) {
            PeerState c = swarm.peerAt(i);
            if (c.supernode || c == me) {
                continue;
            }
            looked++;
            if (c.canServe(limits, nowMillis)) {
                return true;
            }
        }
        return looked >= CANDIDATES_PER_PIECE; // many holders: assume one lives
    }

    /** The least-loaded live peer under its cap among up to {@value #CANDIDATES_PER_PIECE} available holders. */
    private PeerState pickPeer(TaskSwarm swarm, PeerState me, int piece, Decision d, long nowMillis) {
        if (swarm.availableHolderCount(piece) == 0) {
            return null;
        }
        BitSet holders = swarm.availableHolders(piece);
        int start = random.nextInt(swarm.memberSlots());
        PeerState best = null;
        int bestLoad = Integer.MAX_VALUE;
        int looked = 0;
        // walk the available holders from a random start, wrapping once; every candidate counts
        for (int pass = 0; pass < 2 && looked < CANDIDATES_PER_PIECE; pass++) {
            int from = pass == 0 ? start : 0;
            int to = pass == 0 ? Integer.MAX_VALUE : start;
            for (int i = holders.nextSetBit(from); i >= 0 && i < to; i = holders.nextSetBit(i + 1)) {
                PeerState c = swarm.peerAt(i);
                looked++;
                if (c != me && c.canServe(limits, nowMillis) && d.flowFree(c)) {
                    int load = c.uploading + d.extraLoad(c);
                    if (load < c.uploadLimit(limits) && load < bestLoad) {
                        best = c;
                        bestLoad = load;
                        if (load == 0) {
                            return c;
                        }
                    }
                }
                if (looked >= CANDIDATES_PER_PIECE) {
                    break;
                }
            }
        }
        return best;
    }

    /** The least-loaded live supernode member holding the piece, under its cap. */
    private PeerState pickSeed(TaskSwarm swarm, int piece, Decision d, long nowMillis) {
        PeerState best = null;
        int bestLoad = Integer.MAX_VALUE;
        for (int s : swarm.seedIndices()) {
            PeerState c = swarm.peerAt(s);
            if (c == d.me || !c.pieces.get(piece) || !c.canServe(limits, nowMillis) || !d.flowFree(c)) {
                continue;
            }
            int load = c.uploading + d.extraLoad(c);
            if (load < c.uploadLimit(limits) && load < bestLoad) {
                best = c;
                bestLoad = load;
            }
        }
        return best;
    }

    /** One decision's scratch state: loads it added, whether a seed has a free slot. */
    private final class Decision {
        final TaskSwarm swarm;
        final PeerState me;
        final long nowMillis;
        /** Sources chosen in this decision and how many each got (a decision has a handful). */
        private final int[] loadIndex;
        private final int[] loadCount;
        private int loads;
        boolean seedFree;
        private int nothingNew = -1;
        private int unshared = -1;

        Decision(TaskSwarm swarm, PeerState me, int maxPieces, long nowMillis) {
            this.loadIndex = new int[maxPieces];
            this.loadCount = new int[maxPieces];
            this.swarm = swarm;
            this.me = me;
            this.nowMillis = nowMillis;
            this.seedFree = computeSeedFree();
        }

        private boolean computeSeedFree() {
            for (int s : swarm.seedIndices()) {
                PeerState c = swarm.peerAt(s);
                if (c != me && c.canServe(limits, nowMillis) && c.uploading + extraLoad(c) < c.uploadLimit(limits)
                        && flowFree(c)) {
                    return true;
                }
            }
            return false;
        }

        /** Full-rate transfers: whether the source has no upload younger than flowMillis (always, when off). */
        boolean flowFree(PeerState source) {
            return !limits.fullRate()
                    || source.uploadsYoungerThan(nowMillis, limits.flowMillis()) + extraLoad(source) == 0;
        }

        boolean seedHolds(int piece) {
            for (int s : swarm.seedIndices()) {
                PeerState c = swarm.peerAt(s);
                if (!c.left && c.pieces.get(piece)) {
                    return true;
                }
            }
            return false;
        }

        int extraLoad(PeerState p) {
            for (int i = 0; i < loads; i++) {
                if (loadIndex[i] == p.index) {
                    return loadCount[i];
                }
            }
            return 0;
        }

        void addLoad(PeerState p) {
            boolean found = false;
            for (int i = 0; i < loads && !found; i++) {
                if (loadIndex[i] == p.index) {
                    loadCount[i]++;
                    found = true;
                }
            }
            if (!found) {
                loadIndex[loads] = p.index;
                loadCount[loads] = 1;
                loads++;
            }
            if (p.supernode) {
                seedFree = computeSeedFree();
            }
        }

        /**
         * Whether the asking peer is the only peer holding, or fetching, some piece while other peers
         * are in the swarm (it has not passed that piece on yet).
         */
        boolean holdsUnsharedPiece() {
            if (unshared < 0) {
                unshared = computeUnshared() ? 1 : 0;
            }
            return unshared == 1;
        }

        private boolean computeUnshared() {
            if (swarm.livePeerCount() <= 1) {
                return false;
            }
            for (int n = me.pieces.nextSetBit(0); n >= 0; n = me.pieces.nextSetBit(n + 1)) {
                if (swarm.peerHolderCount(n) + swarm.inFlightCount(n) <= 1) {
                    return true;
                }
            }
            for (int n = me.fetching.nextSetBit(0); n >= 0; n = me.fetching.nextSetBit(n + 1)) {
                if (swarm.peerHolderCount(n) + swarm.inFlightCount(n) <= 1) {
                    return true;
                }
            }
            return false;
        }

        /**
         * The file is complete on the seed side and every piece already has its copies: the seed has
         * nothing new to send, so a free seed slot may serve a duplicate.
         */
        boolean nothingNewForSeed() {
            if (nothingNew < 0) {
                nothingNew = computeNothingNew() ? 1 : 0;
            }
            return nothingNew == 1;
        }

        private boolean computeNothingNew() {
            if (!swarm.allPiecesPublished()) {
                return false;
            }
            BitSet published = swarm.publishedSet();
            for (int n = published.nextSetBit(0); n >= 0; n = published.nextSetBit(n + 1)) {
                if (swarm.peerHolderCount(n) + swarm.inFlightCount(n) < limits.seedCopies() && seedHolds(n)) {
                    return false;
                }
            }
            return true;
        }
    }
}
