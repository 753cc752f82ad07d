package io.dfly.core.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;

/**
 * A peer asks for work. {@code POST /api/v1/tasks/{taskId}/pull}.
 *
 * @param peerId    the asking peer
 * @param have      pieces the peer holds: {@link PieceSet#encode()} (base64 of a little-endian bitset)
 * @param maxPieces how many assignments it can take now (its free download slots)
 * @param reports   reports of this peer's assignments that ended since its last pull (at most
 *                  {@link #MAX_REPORTS}; absent or null: none). The supernode applies them, under the same
 *                  rule as {@code POST .../reports}, before it answers the pull: a finished piece costs one
 *                  request instead of two. Each one's {@code peerId} must be this pull's.
 */
public record PullRequest(String peerId, String have, int maxPieces,
                          @JsonInclude(JsonInclude.Include.NON_EMPTY) List<PieceReport> reports) {
    /** Most reports one pull may carry (more: 400). */
    public static final int MAX_REPORTS = 64;

    /** A pull carrying no reports (what a client older than {@code reports} sends). */
    public PullRequest(String peerId, String have, int maxPieces) {
        this(peerId, have, maxPieces, null);
    }

    /** The reports carried, never null. */
    public List<PieceReport> reportsOrEmpty() {
        return reports == null ? List.of() : reports;
    }
}
