package io.dfly.scheduler;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * Dragonfly's policy: the rarest piece first; among its holders the least-loaded peer under the
 * upload cap; never a peer that left, went silent or failed too often; a supernode member only when
 * no peer can serve the piece. Ties are broken by the injected random source, so a seeded
 * {@link java.util.Random} makes it deterministic.
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
        List<Assignment> out = new ArrayList<>();
        if (me == null || me.left || maxPieces <= 0) {
            return out;
        }
        int slots = swarm.digestSlots();
        int[] wanted = new int[slots];
        int count = 0;
        for (int n = 0; n < slots; n++) {
            if (swarm.digest(n) != null && !me.pieces.get(n) && !swarm.isInFlight(me.index, n)) {
                wanted[count++] = n;
            }
        }
        if (count == 0) {
            return out;
        }
        // shuffle, then order by rarity: equally rare pieces come in random order
        for (int i = count - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = wanted[i];
            wanted[i] = wanted[j];
            wanted[j] = t;
        }
        long[] keyed = new long[count];
        for (int i = 0; i < count; i++) {
            keyed[i] = ((long) swarm.holderCount(wanted[i]) << 32) | i;
        }
        java.util.Arrays.sort(keyed);
        Map<Integer, Integer> extraLoad = new HashMap<>();
        for (int k = 0; k < count && out.size() < maxPieces; k++) {
            int piece = wanted[(int) keyed[k]];
            PeerState source = pickSource(swarm, me, piece, extraLoad, nowMillis);
            if (source != null) {
                extraLoad.merge(source.index, 1, Integer::sum);
                out.add(new Assignment(piece, source.id, source.baseUrl));
            }
        }
        return out;
    }

    private PeerState pickSource(TaskSwarm swarm, PeerState me, int piece, Map<Integer, Integer> extraLoad,
                                 long nowMillis) {
        BitSet holders = swarm.holders(piece);
        int size = holders.length();
        if (size == 0) {
            return null;
        }
        PeerState bestPeer = null;
        int bestPeerLoad = Integer.MAX_VALUE;
        PeerState bestSeed = null;
        int bestSeedLoad = Integer.MAX_VALUE;
        int looked = 0;
        int start = random.nextInt(size);
        // walk the holders from a random start, wrapping once
        for (int pass = 0; pass < 2 && looked < CANDIDATES_PER_PIECE; pass++) {
            int from = pass == 0 ? start : 0;
            int to = pass == 0 ? size : start;
            for (int i = holders.nextSetBit(from); i >= 0 && i < to; i = holders.nextSetBit(i + 1)) {
                PeerState c = swarm.peerAt(i);
                if (c == me || !c.canServe(limits, nowMillis)) {
                    continue;
                }
                int load = c.uploading + extraLoad.getOrDefault(c.index, 0);
                if (load >= c.uploadLimit(limits)) {
                    continue;
                }
                if (c.supernode) {
                    if (load < bestSeedLoad) {
                        bestSeed = c;
                        bestSeedLoad = load;
                    }
                    continue;
                }
                looked++;
                if (load < bestPeerLoad) {
                    bestPeer = c;
                    bestPeerLoad = load;
                    if (load == 0) {
                        return c;
                    }
                }
                if (looked >= CANDIDATES_PER_PIECE) {
                    break;
                }
            }
        }
        return bestPeer != null ? bestPeer : bestSeed;
    }
}
