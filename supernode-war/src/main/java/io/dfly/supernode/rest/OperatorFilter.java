package io.dfly.supernode.rest;

import io.dfly.supernode.SupernodeRuntime;
import io.dfly.supernode.auth.OperatorAuthenticator;
import io.dfly.supernode.task.ApiException;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.Provider;

/**
 * Lets only the operator through to preheat and the task listings ({@link OperatorAuthenticator} decides):
 * otherwise 401 with {@code WWW-Authenticate: Basic realm="dfly supernode"} and a JSON error.
 */
@Provider
@OperatorOnly
@Priority(Priorities.AUTHENTICATION)
@ApplicationScoped
public class OperatorFilter implements ContainerRequestFilter {
    @Inject
    SupernodeRuntime runtime;

    @Override
    public void filter(ContainerRequestContext request) {
        try {
            runtime.operatorAuth().authenticate(request.getHeaderString(HttpHeaders.AUTHORIZATION));
        } catch (ApiException e) {
            Response.ResponseBuilder answer = Response.fromResponse(ErrorMappers.error(e.status(), e.code(), e.getMessage()));
            if (e.status() == 401) {
                answer.header(HttpHeaders.WWW_AUTHENTICATE, OperatorAuthenticator.CHALLENGE);
            }
            request.abortWith(answer.build());
        }
    }
}
