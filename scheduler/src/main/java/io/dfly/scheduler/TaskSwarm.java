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
    private final List<PeerState> byIndex = new ArrayList<>();
    private final Map<Long, InFlight> inFlight = new HashMap<>();
    private long lastExpirySweepMillis = Long.MIN_VALUE;

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
        int n = 0;
        for (String d : digests) {
            if (d != null) {
                n++;
            }
        }
        return n;
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
        }
    }

    /** Adds a member, or refreshes its URL and liveness (a returning peer is active again). */
    public PeerState join(String id, String baseUrl, boolean supernode, long nowMillis) {
        PeerState p = peers.get(id);
        if (p == null) {
            p = new PeerState(id, byIndex.size(), baseUrl, supernode, nowMillis);
            peers.put(id, p);
            byIndex.add(p);
        } else {
            p.baseUrl = baseUrl;
            p.lastSeenMillis = nowMillis;
            if (p.left) {
                p.left = false;
                p.failures = 0;
                for (int n = p.pieces.nextSetBit(0); n >= 0; n = p.pieces.nextSetBit(n + 1)) {
                    holders(n).set(p.index);
                }
            }
        }
        return p;
    }

    public PeerState peer(String id) { return peers.get(id); }

    public Collection<PeerState> peers() { return Collections.unmodifiableCollection(peers.values()); }

    PeerState peerAt(int index) { return byIndex.get(index); }

    /** Members holding a piece (by index); callers must not modify it. */
    BitSet holders(int piece) {
        ensurePiece(piece);
        return holdersByPiece.get(piece);
    }

    /** How many members that have not left hold the piece. */
    public int holderCount(int piece) {
        return piece < holdersByPiece.size() ? holdersByPiece.get(piece).cardinality() : 0;
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
        p.pieces.set(piece);
        if (!p.left) {
            holders(piece).set(p.index);
        }
    }

    /** Replaces what a peer says it holds (its pull's {@code have}); only pieces with a known digest count. */
    public void setPieces(String id, BitSet have) {
        PeerState p = peers.get(id);
        if (p == null) {
            return;
        }
        for (int n = p.pieces.nextSetBit(0); n >= 0; n = p.pieces.nextSetBit(n + 1)) {
            if (!have.get(n) && n < holdersByPiece.size()) {
                holdersByPiece.get(n).clear(p.index);
            }
        }
        p.pieces.clear();
        for (int n = have.nextSetBit(0); n >= 0 && n < digests.size(); n = have.nextSetBit(n + 1)) {
            addPiece(id, n);
        }
    }

    /**
     * Adds what a peer says it holds (its pull's {@code have}) to what is known; only pieces with a
     * known digest count. Never removes: a pull may race with the peer's own success reports.
     */
    public void addPieces(String id, BitSet have) {
        for (int n = have.nextSetBit(0); n >= 0 && n < digests.size(); n = have.nextSetBit(n + 1)) {
            if (digests.get(n) != null) {
                addPiece(id, n);
            }
        }
    }

    /** The member leaves: it is no longer a source, and its pending assignments are dropped. */
    public void leave(String id) {
        PeerState p = peers.get(id);
        if (p == null || p.left) {
            return;
        }
        p.left = true;
        for (int n = p.pieces.nextSetBit(0); n >= 0; n = p.pieces.nextSetBit(n + 1)) {
            holdersByPiece.get(n).clear(p.index);
        }
        Iterator<Map.Entry<Long, InFlight>> it = inFlight.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<Long, InFlight> e = it.next();
            int downloader = (int) (e.getKey() >>> 32);
            if (downloader == p.index || e.getValue().sourceIndex() == p.index) {
                release(e.getValue());
                it.remove();
            }
        }
    }

    /** Whether the peer is already fetching the piece. */
    public boolean isInFlight(String peerId, int piece) {
        PeerState p = peers.get(peerId);
        return p != null && inFlight.containsKey(key(p.index, piece));
    }

    boolean isInFlight(int peerIndex, int piece) {
        return inFlight.containsKey(key(peerIndex, piece));
    }

    /** Records a decision: the source's upload load grows until the downloader reports. */
    public void recordAssignment(String peerId, Assignment a, long nowMillis) {
        PeerState p = peers.get(peerId);
        PeerState source = peers.get(a.sourcePeerId());
        if (p == null || source == null) {
            return;
        }
        InFlight old = inFlight.put(key(p.index, a.pieceNum()), new InFlight(source.index, nowMillis));
        if (old != null) {
            release(old);
        }
        source.uploading++;
    }

    /**
     * A peer reports a piece. Success makes it a source at once; a failure counts against the source.
     */
    public void report(String peerId, int piece, String sourcePeerId, boolean success, long nowMillis) {
        PeerState p = peers.get(peerId);
        if (p == null) {
            return;
        }
        p.lastSeenMillis = nowMillis;
        InFlight f = inFlight.remove(key(p.index, piece));
        if (f != null) {
            release(f);
        }
        if (success) {
            addPiece(peerId, piece);
        } else if (sourcePeerId != null) {
            PeerState source = peers.get(sourcePeerId);
            if (source != null) {
                source.failures++;
            }
        }
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
        Iterator<InFlight> it = inFlight.values().iterator();
        while (it.hasNext()) {
            InFlight f = it.next();
            if (nowMillis - f.assignedAtMillis() > timeoutMillis) {
                release(f);
                it.remove();
            }
        }
    }

    public int inFlightCount() { return inFlight.size(); }

    private void release(InFlight f) {
        PeerState s = byIndex.get(f.sourceIndex());
        if (s.uploading > 0) {
            s.uploading--;
        }
    }

    private static long key(int peerIndex, int piece) {
        return ((long) peerIndex << 32) | (piece & 0xffffffffL);
    }
}
