package io.dfly.supernode.rest;

import io.dfly.core.security.HostTokens;
import io.dfly.supernode.SupernodeRuntime;
import io.dfly.supernode.auth.PeerAuthenticator;
import io.dfly.supernode.task.ApiException;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.ext.Provider;

/**
 * Lets only enrolled hosts through to the peer API ({@link PeerAuthenticator} decides): 401 without a good
 * host token, 403 when the path names another peer; nothing is registered or changed then. The token's
 * peer id is left in the request ({@link #peerId}) for the resource to compare with the body's.
 */
@Provider
@EnrolledHostsOnly
@Priority(Priorities.AUTHENTICATION)
@ApplicationScoped
public class EnrolledHostFilter implements ContainerRequestFilter {
    /** Request property: the peer id the host token names. */
    static final String PEER_ID = "io.dfly.supernode.peerId";

    @Inject
    SupernodeRuntime runtime;

    @Override
    public void filter(ContainerRequestContext request) {
        try {
            String peer = runtime.peerAuth().authenticate(request.getHeaderString(HostTokens.HEADER), request.getMethod(),
                    request.getUriInfo().getRequestUri().getRawPath(),
                    request.getUriInfo().getPathParameters().getFirst("peerId"));
            request.setProperty(PEER_ID, peer);
        } catch (ApiException e) {
            request.abortWith(ErrorMappers.error(e.status(), e.code(), e.getMessage()));
        }
    }

    /** The peer id the request's host token names (set by this filter; never null behind it). */
    static String peerId(ContainerRequestContext request) {
        Object p = request.getProperty(PEER_ID);
        if (p == null) {
            // only reachable if the filter did not run: refuse rather than act for nobody
            throw new ApiException(401, "unauthorized", "no host token checked for this request");
        }
        return (String) p;
    }
}
