package io.dfly.scheduler;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The swarm of one task: its pieces (with digests as they become known), every member that holds or
 * wants them, and the assignments in flight. Plain, single-threaded state: the owner serialises
 * access (a Hazelcast entry processor in the supernode, the event loop in a simulation).
 */
public final class TaskSwarm implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String taskId;
    private final int pieceSize;
    private long contentLength = -1;
    private int pieceCount = -1;
    private final List<String> digests = new ArrayList<>();
    private final List<BitSet> holdersByPiece = new ArrayList<>();
    private final Map<String, PeerState> peers = new LinkedHashMap<>();
    /** Members by index; a removed member's slot is null until a newcomer reuses it ({@link #freeSlots}). */
    private final List<PeerState> byIndex = new ArrayList<>();
    /** Slots of {@link #byIndex} freed by {@link #remove}: every per-index bit of theirs is clear. */
    private final BitSet freeSlots = new BitSet();
    private long lastGoneSweepMillis = Long.MIN_VALUE;
    private final Map<Long, InFlight> inFlight = new HashMap<>();
    private long lastExpirySweepMillis = Long.MIN_VALUE;
    // Kept incrementally so a decision costs O(pieces + a few holders), never O(members):
    /** Pieces whose digest is known. */
    private final BitSet published = new BitSet();
    /** Per piece: peers (not supernode members) that have not left and hold it. */
    private int[] peerHolders = new int[0];
    /** Per piece: assignments of it in flight (to any downloader, from any source). */
    private int[] inFlightByPiece = new int[0];
    /** Per piece: peers holding it that have not left and upload fewer than {@link #availabilityCap} pieces. */
    private final List<BitSet> availableByPiece = new ArrayList<>();
    private int[] availableCount = new int[0];
    /** The peer upload cap {@link #availableByPiece} is kept for (see {@link #useUploadCap}). */
    private int availabilityCap = 5;
    /** Indices of supernode members (the seeds). */
    private final List<Integer> seedIndices = new ArrayList<>();
    /** Peers (not supernode members) that have not left. */
    private int livePeers;

    /** Live peers (not supernode members) holding no piece and fetching none: they wait for their first. */
    private final BitSet starting = new BitSet();
    private int startingCount;
    /** Of {@link #starting}, those not heard from within {@link #STARTER_WINDOW_MILLIS}, as of {@link #staleSweepMillis}. */
    private int staleStarting;
    private long staleSweepMillis = Long.MIN_VALUE;
    /** A starting peer not heard from for this long does not count as waiting (it re-asks every 100-200 ms). */
    static final long STARTER_WINDOW_MILLIS = 1_000;
    /** Live peers (not supernode members) holding at least one piece. */
    private int holdingPeers;

    /** An assignment nobody has reported on yet. */
    private record InFlight(int sourceIndex, long assignedAtMillis) implements Serializable {
    }

    public TaskSwarm(String taskId, int pieceSize) {
        this.taskId = taskId;
        this.pieceSize = pieceSize;
    }

    public String taskId() { return taskId; }
    public int pieceSize() { return pieceSize; }
    /** File length, or -1 while unknown. */
    public long contentLength() { return contentLength; }
    /** Number of pieces, or -1 while unknown (chunked origin still downloading). */
    public int pieceCount() { return pieceCount; }

    /** Sets the length once known; fixes the piece count. */
    public void setContentLength(long length) {
        this.contentLength = length;
        this.pieceCount = length < 0 ? -1 : io.dfly.core.piece.PieceSizeRule.pieceCount(length, pieceSize);
    }

    /** Number of pieces whose digest is known (the seed has them). */
    public int publishedPieces() {
        return published.cardinality();
    }

    /** Pieces whose digest is known; callers must not modify it. */
    BitSet publishedSet() {
        return published;
    }

    /** The pieces' digest slots so far (null = not yet landed). */
    public int digestSlots() { return digests.size(); }

    /** Digest of a piece, or null while it has not landed on any seed. */
    public String digest(int piece) {
        return piece < digests.size() ? digests.get(piece) : null;
    }

    /** Records a piece's digest (the first seed to land it publishes it). */
    public void publishDigest(int piece, String digest) {
        ensurePiece(piece);
        if (digests.get(piece) == null) {
            digests.set(piece, digest);
            published.set(piece);
        }
    }

    /** Whether every piece's digest is known. */
    public boolean allPiecesPublished() {
        return pieceCount >= 0 && digests.size() >= pieceCount && publishedPieces() >= pieceCount;
    }

    private void ensurePiece(int piece) {
        while (digests.size() <= piece) {
            digests.add(null);
            holdersByPiece.add(new BitSet());
            availableByPiece.add(new BitSet());
        }
        if (peerHolders.length <= piece) {
            int n = Math.max(piece + 1, peerHolders.length * 2);
            peerHolders = java.util.Arrays.copyOf(peerHolders, n);
            inFlightByPiece = java.util.Arrays.copyOf(inFlightByPiece, n);
            availableCount = java.util.Arrays.copyOf(availableCount, n);
        }
    }

    /** Adds a member, or refreshes its URL and liveness (a returning peer is active again). */
    public PeerState join(String id, String baseUrl, boolean supernode, long nowMillis) {
        PeerState p = peers.get(id);
        if (p == null) {
            int slot = freeSlots.nextSetBit(0);
            if (slot >= 0) {
                freeSlots.clear(slot);
            } else {
                slot = byIndex.size();
                byIndex.add(null);
            }
            p = new PeerState(id, slot, baseUrl, supernode, nowMillis);
            peers.put(id, p);
            byIndex.set(slot, p);
            if (supernode) {
                seedIndices.add(p.index);
            } else {
                livePeers++;
            }
            refresh(p, false);
        } else {
            p.baseUrl = baseUrl;
            p.lastSeenMillis = nowMillis;
            if (p.left) {
                boolean wasHolding = holding(p);
                p.left = false;
                p.failures = 0;
                if (p.supernode) {
                    // a seed that comes back (a restarted member) holds only what it publishes again
                    p.pieces.clear();
                }
                if (!p.supernode) {
                    livePeers++;
                }
                boolean avail = available(p);
                for (int n = p.pieces.nextSetBit(0); n >= 0; n = p.pieces.nextSetBit(n + 1)) {
                    holders(n).set(p.index);
                    if (!p.supernode) {
                        peerHolders[n]++;
                        setAvailable(p, n, avail);
                    }
                }
                refresh(p, wasHolding);
            }
        }
        return p;
    }

    public PeerState peer(String id) { return peers.get(id); }

    /** Live peers holding at least one piece (the swarm's uploaders, the seed aside). */
    public int holdingPeerCount() {
        return holdingPeers;
    }

    /**
     * Live peers that hold no piece, fetch none and were heard from lately: they wait for a first
     * piece. Stale ones (silent for a second) are recounted at most every 200 ms of swarm time.
     */
    public int waitingStarterCount(long nowMillis) {
        if (startingCount == 0) {
            return 0;
        }
        if (staleSweepMillis == Long.MIN_VALUE || nowMillis < staleSweepMillis || nowMillis - staleSweepMillis >= 200) {
            staleSweepMillis = nowMillis;
            int stale = 0;
            for (int i = starting.nextSetBit(0); i >= 0; i = starting.nextSetBit(i + 1)) {
                if (nowMillis - byIndex.get(i).lastSeenMillis > STARTER_WINDOW_MILLIS) {
                    stale++;
                }
            }
            staleStarting = stale;
        }
        return Math.max(0, startingCount - staleStarting);
    }

    /** Whether the peer holds no piece and fetches none. */
    boolean isStarting(PeerState p) {
        return starting.get(p.index);
    }

    /** Keeps {@link #starting} and {@link #holdingPeers} after a change of {@code p}'s pieces, fetches or presence. */
    private void refresh(PeerState p, boolean wasHolding) {
        boolean live = !p.supernode && !p.left;
        boolean holding = holding(p);
        if (holding != wasHolding) {
            holdingPeers += holding ? 1 : -1;
        }
        boolean start = live && !holding && p.fetching.isEmpty();
        if (start != starting.get(p.index)) {
            starting.set(p.index, start);
            startingCount += start ? 1 : -1;
        }
    }

    private static boolean holding(PeerState p) {
        return !p.supernode && !p.left && !p.pieces.isEmpty();
    }

    public Collection<PeerState> peers() { return Collections.unmodifiableCollection(peers.values()); }

    PeerState peerAt(int index) { return byIndex.get(index); }

    /** Number of members ever joined (indices run 0 .. memberSlots() - 1). */
    int memberSlots() { return byIndex.size(); }

    /** Peers (not supernode members) that have not left. */
    public int livePeerCount() { return livePeers; }

    /** Indices of the supernode members; callers must not modify it. */
    List<Integer> seedIndices() { return seedIndices; }

    /** Peers (not supernode members) that have not left and hold the piece. */
    public int peerHolderCount(int piece) {
        return piece < digests.size() ? peerHolders[piece] : 0;
    }

    /** Assignments of the piece in flight, to any downloader from any source. */
    public int inFlightCount(int piece) {
        return piece < digests.size() ? inFlightByPiece[piece] : 0;
    }

    /** Peers holding the piece that have not left and upload fewer pieces than the cap; do not modify. */
    BitSet availableHolders(int piece) {
        ensurePiece(piece);
        return availableByPiece.get(piece);
    }

    int availableHolderCount(int piece) {
        return piece < digests.size() ? availableCount[piece] : 0;
    }

    /**
     * Keeps {@link #availableHolders} for this peer upload cap: a no-op when it is the cap in use
     * (always, in practice: the limits are fixed), else one rebuild.
     */
    void useUploadCap(int cap) {
        if (cap == availabilityCap) {
            return;
        }
        availabilityCap = cap;
        for (int n = 0; n < availableByPiece.size(); n++) {
            availableByPiece.get(n).clear();
            availableCount[n] = 0;
        }
        for (PeerState p : byIndex) {
            if (p != null && available(p)) {
                for (int n = p.pieces.nextSetBit(0); n >= 0; n = p.pieces.nextSetBit(n + 1)) {
                    setAvailable(p, n, true);
                }
            }
        }
    }

    private boolean available(PeerState p) {
        return !p.supernode && !p.left && p.uploading < availabilityCap;
    }

    private void setAvailable(PeerState p, int piece, boolean avail) {
        BitSet b = availableByPiece.get(piece);
        if (b.get(p.index) != avail) {
            b.set(p.index, avail);
            availableCount[piece] += avail ? 1 : -1;
        }
    }

    /** After a change of {@code p}'s load or presence: its pieces' availability follows. */
    private void updateAvailability(PeerState p, boolean wasAvailable) {
        boolean now = available(p);
        if (now != wasAvailable) {
            for (int n = p.pieces.nextSetBit(0); n >= 0; n = p.pieces.nextSetBit(n + 1)) {
                setAvailable(p, n, now);
            }
        }
    }

    /** Members holding a piece (by index); callers must not modify it. */
    BitSet holders(int piece) {
        ensurePiece(piece);
        return holdersByPiece.get(piece);
    }

    /** How many members that have not left hold the piece. */
    public int holderCount(int piece) {
        if (piece >= holdersByPiece.size()) {
            return 0;
        }
        int n = peerHolders[piece];
        for (int s : seedIndices) {
            PeerState seed = byIndex.get(s);
            if (!seed.left && seed.pieces.get(piece)) {
                n++;
            }
        }
        return n;
    }

    public void touch(String id, long nowMillis) {
        PeerState p = peers.get(id);
        if (p != null) {
            p.lastSeenMillis = nowMillis;
        }
    }

    /** The member now holds the piece and is a source of it at once. */
    public void addPiece(String id, int piece) {
        PeerState p = peers.get(id);
        if (p == null) {
            return;
        }
        ensurePiece(piece);
        boolean had = p.pieces.get(piece);
        boolean wasHolding = holding(p);
        p.pieces.set(piece);
        if (!p.left) {
            holders(piece).set(p.index);
            if (!had && !p.supernode) {
                peerHolders[piece]++;
                setAvailable(p, piece, available(p));
            }
        }
        refresh(p, wasHolding);
    }

    /** The member leaves: it is no longer a source, and its pending assignments are dropped. */
    public void leave(String id) {
        PeerState p = peers.get(id);
        if (p == null || p.left) {
            return;
        }
        Iterator<Map.Entry<Long, InFlight>> it = inFlight.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<Long, InFlight> e = it.next();
            int downloader = (int) (e.getKey() >>> 32);
            if (downloader == p.index || e.getValue().sourceIndex() == p.index) {
                release(e.getKey(), e.getValue());
                it.remove();
            }
        }
        boolean wasHolding = holding(p);
        p.left = true;
        if (!p.supernode) {
            livePeers--;
        }
        refresh(p, wasHolding);
        for (int n = p.pieces.nextSetBit(0); n >= 0; n = p.pieces.nextSetBit(n + 1)) {
            holdersByPiece.get(n).clear(p.index);
            if (!p.supernode) {
                peerHolders[n]--;
                setAvailable(p, n, false);
            }
        }
    }

    /** Whether the peer is already fetching the piece. */
    public boolean isInFlight(String peerId, int piece) {
        PeerState p = peers.get(peerId);
        return p != null && inFlight.containsKey(key(p.index, piece));
    }

    boolean isInFlight(int peerIndex, int piece) {
        return byIndex.get(peerIndex).fetching.get(piece);
    }

    /** Records a decision: the source's upload load grows until the downloader reports. */
    public void recordAssignment(String peerId, Assignment a, long nowMillis) {
        PeerState p = peers.get(peerId);
        PeerState source = peers.get(a.sourcePeerId());
        if (p == null || source == null) {
            return;
        }
        ensurePiece(a.pieceNum());
        long k = key(p.index, a.pieceNum());
        InFlight old = inFlight.remove(k);
        if (old != null) {
            release(k, old);
        }
        inFlight.put(k, new InFlight(source.index, nowMillis));
        inFlightByPiece[a.pieceNum()]++;
        p.fetching.set(a.pieceNum());
        refresh(p, holding(p));
        boolean wasAvailable = available(source);
        source.uploadStarted(nowMillis);
        source.uploading++;
        updateAvailability(source, wasAvailable);
    }

    /**
     * A peer reports a piece. A report is a fact only when it ends an assignment this swarm made: the
     * reporter was given this piece from this source and has not reported on it yet. Then a success
     * makes the reporter a source of the piece at once, and a failure counts against the source unless
     * the source is a supernode member (its CDN copy is checked against the origin; a peer cannot
     * make the swarm stop using it). Any other report changes nothing.
     *
     * @return whether the report matched an assignment in flight (and was taken into account)
     */
    public boolean report(String peerId, int piece, String sourcePeerId, boolean success, long nowMillis) {
        PeerState p = peers.get(peerId);
        if (p == null || p.left || sourcePeerId == null) {
            return false;
        }
        p.lastSeenMillis = nowMillis; // the report is the peer's own (authenticated): it is alive
        PeerState source = peers.get(sourcePeerId);
        long k = key(p.index, piece);
        InFlight f = inFlight.get(k);
        if (source == null || f == null || f.sourceIndex() != source.index) {
            return false;
        }
        inFlight.remove(k);
        release(k, f);
        if (success) {
            addPiece(peerId, piece);
        } else if (!source.supernode) {
            source.failures++;
        }
        return true;
    }

    /**
     * Forgets a peer altogether (it left, or went silent): it stops being a source, its assignments
     * are dropped and its slot is reused by a later newcomer, so a swarm's state is bounded by the
     * peers present, not by every peer that ever joined. A supernode member is only marked left
     * ({@link #leave}): seeds are few and come back under the same id.
     *
     * @return whether a peer was removed
     */
    public boolean remove(String id) {
        PeerState p = peers.get(id);
        if (p == null || p.supernode) {
            return false;
        }
        leave(id);
        // leave() cleared every per-index bit of p (holders, availability, starters, in flight)
        peers.remove(id);
        byIndex.set(p.index, null);
        freeSlots.set(p.index);
        return true;
    }

    /**
     * Removes peers that left or were not heard from for longer than {@code silentMillis}. Sweeps at
     * most once per {@code max(1 s, silentMillis / 8)} of swarm time, so calling it on every pull is cheap.
     *
     * @return how many peers were removed
     */
    public int dropGone(long nowMillis, long silentMillis) {
        long every = Math.max(1000, silentMillis / 8);
        if (lastGoneSweepMillis != Long.MIN_VALUE && nowMillis >= lastGoneSweepMillis
                && nowMillis - lastGoneSweepMillis < every) {
            return 0;
        }
        lastGoneSweepMillis = nowMillis;
        List<String> gone = new ArrayList<>();
        for (PeerState p : peers.values()) {
            if (!p.supernode && (p.left || nowMillis - p.lastSeenMillis > silentMillis)) {
                gone.add(p.id);
            }
        }
        for (String id : gone) {
            remove(id);
        }
        return gone.size();
    }

    /** Members present (peers and seeds, those marked left included until removed). */
    public int memberCount() {
        return peers.size();
    }

    /**
     * Drops assignments older than the timeout (the downloader never reported), freeing their
     * sources. Sweeps at most once per second of swarm time, so calling it on every pull is cheap.
     */
    public void expireInFlight(long nowMillis, long timeoutMillis) {
        if (lastExpirySweepMillis != Long.MIN_VALUE && nowMillis >= lastExpirySweepMillis
                && nowMillis - lastExpirySweepMillis < 1000) {
            return;
        }
        lastExpirySweepMillis = nowMillis;
        Iterator<Map.Entry<Long, InFlight>> it = inFlight.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<Long, InFlight> e = it.next();
            if (nowMillis - e.getValue().assignedAtMillis() > timeoutMillis) {
                release(e.getKey(), e.getValue());
                it.remove();
            }
        }
    }

    public int inFlightCount() { return inFlight.size(); }

    /** How many of the peer's fetches were assigned less than {@code ageMillis} ago (they are still flowing). */
    int fetchesYoungerThan(PeerState p, long nowMillis, long ageMillis) {
        int n = 0;
        for (int piece = p.fetching.nextSetBit(0); piece >= 0; piece = p.fetching.nextSetBit(piece + 1)) {
            InFlight f = inFlight.get(key(p.index, piece));
            if (f != null && nowMillis - f.assignedAtMillis() < ageMillis) {
                n++;
            }
        }
        return n;
    }

    /** An assignment ends (its map entry is removed by the caller): counts and loads follow. */
    private void release(long key, InFlight f) {
        int piece = (int) key;
        PeerState downloader = byIndex.get((int) (key >>> 32));
        downloader.fetching.clear(piece);
        refresh(downloader, holding(downloader));
        if (piece < inFlightByPiece.length && inFlightByPiece[piece] > 0) {
            inFlightByPiece[piece]--;
        }
        PeerState s = byIndex.get(f.sourceIndex());
        if (s.uploading > 0) {
            boolean wasAvailable = available(s);
            s.uploadEnded(f.assignedAtMillis());
            s.uploading--;
            updateAvailability(s, wasAvailable);
        }
    }

    private static long key(int peerIndex, int piece) {
        return ((long) peerIndex << 32) | (piece & 0xffffffffL);
    }
}
