package io.dfly.supernode.auth;

import io.dfly.core.security.OperatorToken;
import io.dfly.supernode.task.ApiException;

/**
 * Who may use the operator API (preheat, task listings): whoever presents the operator token, as
 * {@code Authorization: Bearer <token>} or as the password of HTTP Basic with any user name (a browser,
 * Harbor's instance auth). Plain Java: the JAX-RS filter ({@code rest.OperatorFilter}) adds the
 * {@code WWW-Authenticate} challenge to the 401.
 */
public final class OperatorAuthenticator {
    /** The challenge sent with every 401 of the operator API. */
    public static final String CHALLENGE = "Basic realm=\"dfly supernode\"";
    private final OperatorToken token;

    public OperatorAuthenticator(OperatorToken token) {
        this.token = token;
    }

    /** @throws ApiException 401 {@code unauthorized} unless the header carries the operator token */
    public void authenticate(String authorization) {
        if (!token.accepts(authorization)) {
            throw new ApiException(401, "unauthorized", "operator API: send the token in " + OperatorToken.PROPERTY
                    + " as 'Authorization: Bearer <token>' or as the HTTP Basic password (any user name)");
        }
    }
}
