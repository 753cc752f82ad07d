package io.dfly.supernode.auth;

import io.dfly.core.security.HostTokens;
import io.dfly.core.security.PieceGrants;

import java.util.Optional;

/**
 * Who gets a piece from this supernode's CDN copy ({@code GET /peer/tasks/{id}/pieces/{n}}): an enrolled
 * host (its {@code Authorization: Dfly-Host} token, made for this GET and path) presenting a grant
 * ({@code X-Dfly-Grant}) the supernode made for that task, that piece and that host's peer. Plain Java.
 */
public final class PieceAccess {
    private final HostTokens tokens;
    private final PieceGrants grants;

    public PieceAccess(HostTokens tokens, PieceGrants grants) {
        this.tokens = tokens;
        this.grants = grants;
    }

    /** Why the request gets no bytes (for a 403 body), or empty when it may have the piece. */
    public Optional<String> refusal(String authorization, String grant, String method, String rawPath, String taskId,
                                    int piece) {
        if (authorization == null || authorization.isBlank()) {
            return Optional.of("no host token (Authorization: " + HostTokens.SCHEME + " …): " + PeerAuthenticator.ENROL);
        }
        Optional<String> peer = tokens.verify(authorization, method, rawPath);
        if (peer.isEmpty()) {
            return Optional.of("the host token is not valid for this request: " + PeerAuthenticator.ENROL);
        }
        return grants.refusal(grant, taskId, piece, peer.get());
    }
}
