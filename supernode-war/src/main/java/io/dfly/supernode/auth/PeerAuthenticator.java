package io.dfly.supernode.auth;

import io.dfly.core.security.ClusterSecret;
import io.dfly.core.security.HostTokens;
import io.dfly.supernode.task.ApiException;

import java.util.Objects;
import java.util.Optional;

/**
 * Who may use the supernode's peer API (register, pull, report, leave, heartbeat): enrolled hosts only,
 * each request carrying {@code Authorization: Dfly-Host <token>} made with the cluster secret for that
 * request's method and raw path; and a host acts only for the peer its token names. Plain Java: the
 * JAX-RS filter ({@code rest.EnrolledHostFilter}) only hands it the request's parts.
 */
public final class PeerAuthenticator {
    static final String ENROL = "enrolled hosts only: this host needs the cluster secret (" + ClusterSecret.PROPERTY + ")";
    private final HostTokens tokens;

    public PeerAuthenticator(HostTokens tokens) {
        this.tokens = tokens;
    }

    /**
     * @param authorization the request's {@code Authorization} header (may be null)
     * @param method        its HTTP method
     * @param rawPath       its raw path (no query), as the token was made for
     * @param pathPeerId    the {@code {peerId}} of the path, or null when the path names none
     * @return the peer id the token names
     * @throws ApiException 401 {@code unauthorized} without a good token; 403 {@code forbidden} when the path
     *                      names another peer
     */
    public String authenticate(String authorization, String method, String rawPath, String pathPeerId) {
        if (authorization == null || authorization.isBlank()) {
            throw new ApiException(401, "unauthorized", "no host token (Authorization: " + HostTokens.SCHEME + " …): " + ENROL);
        }
        Optional<String> peer = tokens.verify(authorization, method, rawPath);
        if (peer.isEmpty()) {
            throw new ApiException(401, "unauthorized", "the host token is not valid for this request (forged, expired, made"
                    + " for another request, or this host's clock is off by more than " + HostTokens.MAX_AGE_SECONDS + " s): "
                    + ENROL);
        }
        if (pathPeerId != null) {
            requireSamePeer(peer.get(), pathPeerId);
        }
        return peer.get();
    }

    /**
     * A host acts only for its own peer: the peer id a request names (body or path) must be the one its
     * token names.
     *
     * @throws ApiException 403 {@code forbidden} otherwise
     */
    public static void requireSamePeer(String tokenPeerId, String requestPeerId) {
        if (!Objects.equals(tokenPeerId, requestPeerId)) {
            throw new ApiException(403, "forbidden", "the host token is for peer '" + tokenPeerId
                    + "' but the request is for peer '" + requestPeerId + "': a host acts only for its own peer id");
        }
    }
}
