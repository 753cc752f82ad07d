package io.dfly.scheduler;

import java.io.Serializable;
import java.util.Arrays;
import java.util.BitSet;

/** What the swarm knows about one member: a peer, or a supernode member acting as the seed (CDN). */
public final class PeerState implements Serializable {
    private static final long serialVersionUID = 1L;

    final String id;
    final int index;
    String baseUrl;
    final boolean supernode;
    final BitSet pieces = new BitSet();
    /** Pieces this member is fetching now (assigned, not yet reported). */
    final BitSet fetching = new BitSet();
    int uploading;
    /** When each of its uploads now in flight was assigned: the first {@link #uploading} entries, unordered. */
    long[] uploadsSince = new long[4];
    int failures;
    long lastSeenMillis;
    boolean left;
    /** When a decision first refused it a seed upload (seedCopies rule) with nothing else to give; -1 if not. */
    long seedRefusedSinceMillis = -1;

    PeerState(String id, int index, String baseUrl, boolean supernode, long nowMillis) {
        this.id = id;
        this.index = index;
        this.baseUrl = baseUrl;
        this.supernode = supernode;
        this.lastSeenMillis = nowMillis;
    }

    public String id() { return id; }
    public String baseUrl() { return baseUrl; }
    public boolean isSupernode() { return supernode; }
    /** A copy of the pieces this member holds. */
    public BitSet pieces() { return (BitSet) pieces.clone(); }
    public boolean has(int piece) { return pieces.get(piece); }
    public int pieceCount() { return pieces.cardinality(); }
    /** Pieces it is uploading now (assigned, not yet reported). */
    public int uploading() { return uploading; }
    public int failures() { return failures; }
    public long lastSeenMillis() { return lastSeenMillis; }
    public boolean hasLeft() { return left; }
    /** Pieces it is fetching now (assigned to it, not yet reported). */
    public int fetchingCount() { return fetching.cardinality(); }

    /**
     * Whether it may be given as a source now. Supernode members are alive while they are in the
     * cluster (they are removed when they leave it), so the silence check applies to peers only.
     */
    public boolean canServe(SchedulerLimits limits, long nowMillis) {
        if (left || failures >= limits.peerMaxFailures()) {
            return false;
        }
        return supernode || nowMillis - lastSeenMillis <= limits.peerTimeoutMillis();
    }

    /** Call before {@code uploading++}. */
    void uploadStarted(long at) {
        if (uploadsSince == null) {
            uploadsSince = new long[Math.max(4, uploading + 1)]; // deserialized from a member without the field
        }
        if (uploading >= uploadsSince.length) {
            uploadsSince = Arrays.copyOf(uploadsSince, uploadsSince.length * 2);
        }
        uploadsSince[uploading] = at;
    }

    /** Call before {@code uploading--}, with the ended assignment's time. */
    void uploadEnded(long at) {
        if (uploadsSince == null) {
            return;
        }
        int match = -1;
        for (int i = 0; i < uploading && match < 0; i++) {
            if (uploadsSince[i] == at) {
                match = i;
            }
        }
        if (match < 0) {
            // an upload recorded before this member tracked the times: drop the oldest entry
            for (int i = 0; i < uploading; i++) {
                if (match < 0 || uploadsSince[i] < uploadsSince[match]) {
                    match = i;
                }
            }
        }
        if (match >= 0) {
            uploadsSince[match] = uploadsSince[uploading - 1];
        }
    }

    /** Its uploads assigned less than {@code ageMillis} ago (still flowing, unless they ended). */
    int uploadsYoungerThan(long nowMillis, long ageMillis) {
        if (uploadsSince == null) {
            return 0; // uploads of unknown age count as stalled
        }
        int n = 0;
        for (int i = 0; i < uploading; i++) {
            if (nowMillis - uploadsSince[i] < ageMillis) {
                n++;
            }
        }
        return n;
    }

    int uploadLimit(SchedulerLimits limits) {
        return supernode ? limits.effectiveSeedUploadLimit() : limits.peerUploadLimit();
    }
}
