package io.dfly.supernode.task;

import io.dfly.core.piece.PieceSizeRule;
import io.dfly.core.protocol.PieceAssignment;
import io.dfly.core.protocol.PieceHeaders;
import io.dfly.core.protocol.TaskStatus;
import io.dfly.core.security.SafeUrls;
import io.dfly.scheduler.Assignment;
import io.dfly.scheduler.PeerState;
import io.dfly.scheduler.PieceScheduler;
import io.dfly.scheduler.TaskSwarm;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything the cluster knows about one task: lifecycle, which member fetches it from the origin,
 * which members hold a CDN copy, and the swarm. Plain Java; in the cluster it is the value of the
 * tasks map and is changed only inside entry processors (one at a time, on the owning member).
 * Origin headers are NOT here (they live sealed in their own in-memory map and never reach peers), and
 * neither is any piece grant.
 */
public final class TaskRecord implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String taskId;
    /**
     * The URL back-to-source fetches (the first registrant's, or after a failure the restarting one's),
     * sealed ({@link GridSeal}): its query may carry a signature, and the grid holds nothing secret in clear.
     */
    private byte[] sealedUrl;
    /** {@link GridSeal#urlKey} of the URL normalized: a registrant's headers are kept only when its URL's key is this. */
    private String urlKey;
    /** The URL as {@link SafeUrls#display} shows it (no query, no user info). */
    private String displayUrl;
    private final String expectedDigest;
    private TaskStatus status = TaskStatus.WAITING;
    private String failCode;
    private String failReason;
    private int failHttpStatus;
    /** When it last FAILED (it expires {@code dfly.supernode.failed-task-ttl} later); 0 while it has not. */
    private long failedAtMillis;
    /** Cluster member fetching from the origin now (or last). */
    private String seederMember;
    /** Member id → its source id in the swarm, for every member holding a CDN copy. */
    private final Map<String, String> seedSources = new HashMap<>();
    private TaskSwarm swarm;
    private String fileDigest;
    private final long createdMillis;
    private long lastAccessMillis;
    /** Piece bytes peers reported as received from other peers / from supernode members (accepted reports only). */
    private long bytesFromPeers;
    private long bytesFromSupernodes;
    /** The last {@link #RECENT_FAILURES} failed piece reports, oldest first (what the dashboard shows). */
    private final java.util.ArrayDeque<PieceFailure> recentFailures = new java.util.ArrayDeque<>();
    /** How many failed piece reports a task remembers (bounded: the record lives in the grid). */
    public static final int RECENT_FAILURES = 5;

    public TaskRecord(String taskId, byte[] sealedUrl, String urlKey, String displayUrl, String expectedDigest,
                      String seederMember, long nowMillis) {
        this.taskId = taskId;
        this.sealedUrl = sealedUrl.clone();
        this.urlKey = urlKey;
        this.displayUrl = displayUrl;
        this.expectedDigest = expectedDigest;
        this.seederMember = seederMember;
        this.createdMillis = nowMillis;
        this.lastAccessMillis = nowMillis;
    }

    public String taskId() { return taskId; }
    /** The origin URL as registered, sealed: {@link GridSeal#openUrl} it (and never show it). */
    public byte[] sealedUrl() { return sealedUrl.clone(); }
    /** The key of the normalized URL: what a registrant's URL's {@link GridSeal#urlKey} must equal for its headers to be kept. */
    public String urlKey() { return urlKey; }
    /** The URL without query or user info: safe to show. */
    public String displayUrl() { return displayUrl; }
    public String expectedDigest() { return expectedDigest; }
    public TaskStatus status() { return status; }
    public String failCode() { return failCode; }
    public String failReason() { return failReason; }
    public int failHttpStatus() { return failHttpStatus; }
    /** When the task FAILED (meaningful while {@link #status()} is FAILED). */
    public long failedAtMillis() { return failedAtMillis; }
    public String seederMember() { return seederMember; }
    public TaskSwarm swarm() { return swarm; }
    public String fileDigest() { return fileDigest != null ? fileDigest : expectedDigest; }
    public long createdMillis() { return createdMillis; }
    public long lastAccessMillis() { return lastAccessMillis; }
    public Map<String, String> seedSources() { return Map.copyOf(seedSources); }
    /** Piece bytes delivered peer to peer (accepted reports). */
    public long bytesFromPeers() { return bytesFromPeers; }
    /** Piece bytes delivered by supernode members' CDN copies (accepted reports). */
    public long bytesFromSupernodes() { return bytesFromSupernodes; }
    /** The last failed piece reports, oldest first (at most {@link #RECENT_FAILURES}). */
    public List<PieceFailure> recentFailures() { return List.copyOf(recentFailures); }

    /** A failed piece report that ended an assignment: who failed to fetch which piece from whom. */
    public record PieceFailure(long atMillis, String peerId, int piece, String sourcePeerId) implements Serializable {
    }

    public long contentLength() { return swarm == null ? -1 : swarm.contentLength(); }
    public int pieceSize() { return swarm == null ? PieceSizeRule.DEFAULT_PIECE_SIZE : swarm.pieceSize(); }
    public int pieceCount() { return swarm == null ? -1 : swarm.pieceCount(); }

    public void touch(long nowMillis) {
        lastAccessMillis = Math.max(lastAccessMillis, nowMillis);
    }

    /**
     * A task put back from a member's CDN after a restart knows no origin URL (only its display form was
     * kept on disk): the first registrant gives it its own URL, and its headers are then kept for it.
     * Returns whether the URL was adopted.
     */
    public boolean adoptUrlIfNone(byte[] newSealedUrl, String newUrlKey, String newDisplayUrl) {
        if (urlKey != null) {
            return false;
        }
        sealedUrl = newSealedUrl.clone();
        urlKey = newUrlKey;
        displayUrl = newDisplayUrl;
        return true;
    }

    /**
     * A task as a restarted member's CDN kept it ({@code meta.json}): SUCCESS, every piece's digest
     * published, {@code member} its seed. It has no origin URL until a registrant gives one
     * ({@link #adoptUrlIfNone}); until then a fetch from the origin (a take-over) uses the display URL.
     */
    public static TaskRecord restored(String taskId, byte[] sealedDisplayUrl, String displayUrl, String expectedDigest,
                                      String fileDigest, long contentLength, int pieceSize, List<String> pieceDigests,
                                      String member, String sourceId, String sourceUrl, long nowMillis) {
        TaskRecord r = new TaskRecord(taskId, sealedDisplayUrl, null, displayUrl, expectedDigest, member, nowMillis);
        r.swarm = new TaskSwarm(taskId, pieceSize);
        r.swarm.setContentLength(contentLength);
        r.status = TaskStatus.RUNNING;
        r.addSeed(member, sourceId, sourceUrl, nowMillis);
        for (int n = 0; n < pieceDigests.size(); n++) {
            r.piecePublished(sourceId, n, pieceDigests.get(n));
        }
        r.fileDigest = fileDigest;
        r.status = r.swarm.allPiecesPublished() ? TaskStatus.SUCCESS : TaskStatus.FAILED;
        return r;
    }

    /**
     * Another member's kept CDN copy of this task: it becomes a seed of every piece when its length,
     * piece size and digests are this task's. Returns whether it was added.
     */
    public boolean addRestoredSeed(long contentLength, int pieceSize, List<String> pieceDigests, String member,
                                   String sourceId, String sourceUrl, long nowMillis) {
        if (swarm == null || status == TaskStatus.FAILED || swarm.contentLength() != contentLength
                || swarm.pieceSize() != pieceSize || swarm.pieceCount() != pieceDigests.size()) {
            return false;
        }
        for (int n = 0; n < pieceDigests.size(); n++) {
            String known = swarm.digest(n);
            if (known != null && !known.equals(pieceDigests.get(n))) {
                return false;
            }
        }
        addSeed(member, sourceId, sourceUrl, nowMillis);
        for (int n = 0; n < pieceDigests.size(); n++) {
            piecePublished(sourceId, n, pieceDigests.get(n));
        }
        return true;
    }

    /**
     * A failed task is retried by the next registration: the caller becomes the seeder, and the task fetches
     * that registrant's URL (with that registrant's headers, not the failed one's).
     */
    public void restart(String member, long nowMillis, byte[] newSealedUrl, String newUrlKey, String newDisplayUrl) {
        sealedUrl = newSealedUrl.clone();
        urlKey = newUrlKey;
        displayUrl = newDisplayUrl;
        status = TaskStatus.WAITING;
        failCode = null;
        failReason = null;
        failHttpStatus = 0;
        seederMember = member;
        swarm = null;
        seedSources.clear();
        fileDigest = null;
        bytesFromPeers = 0;
        bytesFromSupernodes = 0;
        recentFailures.clear();
        touch(nowMillis);
    }

    /** The origin answered: the length (or -1) fixes the piece size; the seeder joins as a source. */
    public void originAnswered(long contentLength, String member, String sourceId, String sourceUrl, long nowMillis) {
        if (swarm == null) {
            swarm = new TaskSwarm(taskId, PieceSizeRule.pieceSize(contentLength));
            swarm.setContentLength(contentLength);
        }
        status = TaskStatus.RUNNING;
        addSeed(member, sourceId, sourceUrl, nowMillis);
    }

    public void addSeed(String member, String sourceId, String sourceUrl, long nowMillis) {
        seedSources.put(member, sourceId);
        if (swarm != null) {
            swarm.join(sourceId, sourceUrl, true, nowMillis);
        }
    }

    /**
     * A piece landed on a member's CDN copy; it is shareable at once. Returns false (and shares
     * nothing) when an earlier fetch published a different digest: the origin's content changed.
     */
    public boolean piecePublished(String sourceId, int piece, String digest) {
        if (swarm == null) {
            return false;
        }
        String known = swarm.digest(piece);
        if (known != null && !known.equals(digest)) {
            return false;
        }
        swarm.publishDigest(piece, digest);
        swarm.addPiece(sourceId, piece);
        return true;
    }

    /**
     * The fetching member copied a piece it published to {@code member} (its mirror, see
     * {@code io.dfly.supernode.cdn.PieceMirror}), which wrote it: that member becomes a seed of the piece, so
     * the piece survives the fetcher and a take-over resumes after it. Only a piece the grid already knows with
     * this digest counts, and only while the task is being fetched. Returns whether it was recorded.
     */
    public boolean mirrored(String member, String sourceId, String sourceUrl, int piece, String digest, long nowMillis) {
        if (swarm == null || status == TaskStatus.FAILED || member.equals(seederMember) || piece < 0
                || !digest.equals(swarm.digest(piece))) {
            return false;
        }
        if (!sourceId.equals(seedSources.get(member))) {
            addSeed(member, sourceId, sourceUrl, nowMillis);
        }
        swarm.addPiece(sourceId, piece);
        return true;
    }

    /** The seeder read the whole body (the length is now certain). */
    public void originFinished(long contentLength, String digest) {
        if (swarm != null && swarm.contentLength() < 0) {
            swarm.setContentLength(contentLength);
        }
        if (digest != null) {
            fileDigest = digest;
        }
        if (swarm != null && swarm.allPiecesPublished()) {
            status = TaskStatus.SUCCESS;
        }
    }

    public void fail(String code, String reason, int httpStatus, long nowMillis) {
        status = TaskStatus.FAILED;
        failCode = code;
        failReason = reason;
        failHttpStatus = httpStatus;
        failedAtMillis = nowMillis;
    }

    /** Whether it FAILED at least {@code ttlMillis} ago (then it is removed, with its headers and CDN data). */
    public boolean failureExpired(long nowMillis, long ttlMillis) {
        return status == TaskStatus.FAILED && nowMillis - failedAtMillis >= ttlMillis;
    }

    /**
     * Where an origin fetch (re)starts: the first piece that is not yet published or that no member
     * still in the swarm holds (a take-over after a member died resumes here with a Range request).
     */
    public int firstPieceToFetch() {
        if (swarm == null) {
            return 0;
        }
        int n = 0;
        while (n < swarm.digestSlots() && swarm.digest(n) != null && swarm.holderCount(n) > 0) {
            n++;
        }
        return n;
    }

    /**
     * A cluster member is gone: its CDN copy stops being a source; if it was fetching from the
     * origin, {@code survivor} takes over. Returns whether the survivor must now fetch.
     */
    public boolean memberGone(String goneMember, String survivor, long nowMillis) {
        String source = seedSources.remove(goneMember);
        if (source != null && swarm != null) {
            swarm.leave(source);
        }
        if (goneMember.equals(seederMember) && (status == TaskStatus.WAITING || status == TaskStatus.RUNNING)) {
            seederMember = survivor;
            touch(nowMillis);
            return true;
        }
        return takeOverIfOrphaned(survivor, nowMillis);
    }

    /**
     * A finished task whose last CDN copy is gone and some piece of which nobody holds any more must
     * be fetched again: {@code member} becomes the seeder. Returns whether it must fetch.
     */
    public boolean takeOverIfOrphaned(String member, long nowMillis) {
        if (status != TaskStatus.SUCCESS || !seedSources.isEmpty() || swarm == null
                || firstPieceToFetch() >= swarm.pieceCount()) {
            return false;
        }
        status = TaskStatus.RUNNING;
        seederMember = member;
        touch(nowMillis);
        return true;
    }

    /** A member dropped its CDN copy (GC). Returns true when no member holds a copy any more. */
    public boolean seedDropped(String member) {
        String source = seedSources.remove(member);
        if (source != null && swarm != null) {
            swarm.leave(source);
        }
        return seedSources.isEmpty();
    }

    /** The result of a pull, ready to send. */
    public record PullOutcome(String action, List<Piece> pieces, int waitMillis, long contentLength, int pieceCount,
                              int pieceSize, String fileDigest, String reason) implements Serializable {
        /** The protocol's assignments. */
        public List<PieceAssignment> assignments() {
            return pieces.stream().map(p -> new PieceAssignment(p.pieceNum(), p.offset(), p.length(), p.digest(),
                    p.sourcePeerId(), p.sourceUrl(), null)).toList();
        }
    }

    /** One assignment (a serializable twin of {@link PieceAssignment}, which crosses the cluster). */
    public record Piece(int pieceNum, long offset, int length, String digest, String sourcePeerId, String sourceUrl)
            implements Serializable {
    }

    /**
     * A peer asks for work; assignments are recorded so sources' load is counted. What the peer says it
     * holds is not asked: it holds what it reported for an assignment ({@link TaskSwarm#report}). Peers
     * that left or were silent longer than {@code goneAfterMillis} are dropped from the swarm on the way.
     */
    public PullOutcome pull(String peerId, int maxPieces, PieceScheduler scheduler, long inFlightTimeoutMillis,
                            long goneAfterMillis, long nowMillis) {
        touch(nowMillis);
        if (status == TaskStatus.FAILED) {
            return outcome("FAILED", List.of(), 0);
        }
        if (swarm == null) {
            return outcome("WAIT", List.of(), 200);
        }
        PeerState me = swarm.peer(peerId);
        if (me == null || me.isSupernode()) {
            return outcome("UNKNOWN_PEER", List.of(), 0);
        }
        if (me.hasLeft()) {
            me = swarm.join(peerId, me.baseUrl(), false, nowMillis);
        } else {
            swarm.touch(peerId, nowMillis);
        }
        swarm.dropGone(nowMillis, goneAfterMillis);
        int count = swarm.pieceCount();
        if (count >= 0 && me.pieceCount() >= count) {
            return outcome("DONE", List.of(), 0);
        }
        swarm.expireInFlight(nowMillis, inFlightTimeoutMillis);
        List<Assignment> decided = scheduler.schedule(swarm, peerId, maxPieces, nowMillis);
        if (decided.isEmpty()) {
            return outcome("WAIT", List.of(), status == TaskStatus.RUNNING ? 100 : 200);
        }
        List<Piece> out = new ArrayList<>(decided.size());
        for (Assignment a : decided) {
            swarm.recordAssignment(peerId, a, nowMillis);
            out.add(new Piece(a.pieceNum(), (long) a.pieceNum() * swarm.pieceSize(), pieceLength(a.pieceNum()),
                    swarm.digest(a.pieceNum()), a.sourcePeerId(),
                    a.sourceBaseUrl() + PieceHeaders.piecePath(taskId, a.pieceNum())));
        }
        return outcome("ASSIGNED", out, 0);
    }

    private PullOutcome outcome(String action, List<Piece> pieces, int waitMillis) {
        return new PullOutcome(action, pieces, waitMillis, contentLength(), pieceCount(), pieceSize(), fileDigest(),
                action.equals("FAILED") ? failReason : null);
    }

    /** Length of piece {@code n} (full size while the total length is unknown). */
    public int pieceLength(int n) {
        long length = swarm.contentLength();
        return length < 0 ? swarm.pieceSize() : PieceSizeRule.pieceLength(length, swarm.pieceSize(), n);
    }

    /** What a report did: whether it ended an assignment, and the piece bytes it says came from another peer. */
    public record ReportOutcome(boolean accepted, long fromPeerBytes) implements Serializable {
        public static final ReportOutcome IGNORED = new ReportOutcome(false, 0);
    }

    /**
     * A peer reports a piece. It counts only when it ends an assignment of that piece to that peer from that
     * source ({@link TaskSwarm#report}); anything else is ignored.
     */
    public ReportOutcome report(String peerId, int piece, String sourcePeerId, boolean success, long nowMillis) {
        touch(nowMillis);
        if (swarm == null || piece < 0 || swarm.digest(piece) == null) {
            return ReportOutcome.IGNORED;
        }
        if (!swarm.report(peerId, piece, sourcePeerId, success, nowMillis)) {
            return ReportOutcome.IGNORED;
        }
        PeerState source = swarm.peer(sourcePeerId);
        boolean fromPeer = source != null && !source.isSupernode();
        if (success) {
            if (fromPeer) {
                bytesFromPeers += pieceLength(piece);
            } else {
                bytesFromSupernodes += pieceLength(piece);
            }
        } else {
            if (recentFailures.size() >= RECENT_FAILURES) {
                recentFailures.removeFirst();
            }
            recentFailures.addLast(new PieceFailure(nowMillis, peerId, piece, sourcePeerId));
        }
        return new ReportOutcome(true, success && fromPeer ? pieceLength(piece) : 0);
    }

    /** The peer leaves the swarm for good (its slot is freed); returns whether it was in it. */
    public boolean peerLeft(String peerId) {
        return swarm != null && swarm.remove(peerId);
    }

    /** Drops peers that left or were silent longer than {@code goneAfterMillis} (at most one sweep a few seconds). */
    public int dropGonePeers(long nowMillis, long goneAfterMillis) {
        return swarm == null ? 0 : swarm.dropGone(nowMillis, goneAfterMillis);
    }

    /**
     * Whether a download of this task may be running: the origin fetch is not over, or a peer
     * that still lacks pieces was heard from within {@code peerTimeoutMillis}.
     */
    public boolean isActive(long nowMillis, long peerTimeoutMillis) {
        if (status == TaskStatus.WAITING || status == TaskStatus.RUNNING) {
            return true;
        }
        if (swarm == null) {
            return false;
        }
        int count = swarm.pieceCount();
        for (PeerState p : swarm.peers()) {
            if (!p.isSupernode() && !p.hasLeft() && p.pieceCount() < count
                    && nowMillis - p.lastSeenMillis() <= peerTimeoutMillis) {
                return true;
            }
        }
        return false;
    }

    /** A snapshot for the task API. */
    public TaskView view(long nowMillis, long peerTimeoutMillis) {
        int peers = 0;
        int completed = 0;
        if (swarm != null) {
            for (PeerState p : swarm.peers()) {
                if (p.isSupernode() || p.hasLeft()) {
                    continue;
                }
                peers++;
                if (swarm.pieceCount() >= 0 && p.pieceCount() >= swarm.pieceCount()) {
                    completed++;
                }
            }
        }
        return new TaskView(taskId, displayUrl, status.name(), contentLength(), pieceSize(), pieceCount(),
                swarm == null ? 0 : swarm.publishedPieces(), peers, completed, List.copyOf(seedSources.values()),
                fileDigest(), failReason, isActive(nowMillis, peerTimeoutMillis), lastAccessMillis);
    }
}
