package io.dfly.supernode.auth;

import io.dfly.core.security.HostTokens;
import io.dfly.core.security.OperatorToken;
import io.dfly.core.security.PieceGrants;
import io.dfly.supernode.TestSecrets;
import io.dfly.supernode.task.ApiException;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The checks behind the JAX-RS filters, without a container: outsiders fail every one. */
class AuthenticatorsTest {
    private static final String REGISTER = "/api/v1/tasks";
    private static final String TASK = "c".repeat(64);
    private final HostTokens tokens = TestSecrets.SECRET.hostTokens();
    private final HostTokens outsider = TestSecrets.OTHER_SECRET.hostTokens();
    private final PeerAuthenticator peers = new PeerAuthenticator(tokens);

    private static ApiException refused(Runnable r) {
        return assertThrows(ApiException.class, r::run);
    }

    @Test
    void thePeerApiAnswersEnrolledHostsOnly() {
        assertEquals("p1", peers.authenticate(tokens.authorization("p1", "POST", REGISTER), "POST", REGISTER, null));
        for (String bad : new String[]{null, "", "Bearer x", "Dfly-Host v1.a.b.c.d", outsider.authorization("p1", "POST", REGISTER),
                tokens.authorization("p1", "POST", REGISTER + "/x"), tokens.authorization("p1", "GET", REGISTER)}) {
            ApiException e = refused(() -> peers.authenticate(bad, "POST", REGISTER, null));
            assertEquals(401, e.status(), String.valueOf(bad));
            assertEquals("unauthorized", e.code());
            assertTrue(e.getMessage().endsWith("enrolled hosts only: this host needs the cluster secret"
                    + " (dfly.security.cluster-secret-file)"), e.getMessage());
        }
    }

    @Test
    void aHostActsOnlyForItsOwnPeer() {
        String heartbeat = "/api/v1/peers/p1/heartbeat";
        assertEquals("p1", peers.authenticate(tokens.authorization("p1", "POST", heartbeat), "POST", heartbeat, "p1"));
        ApiException e = refused(() -> peers.authenticate(tokens.authorization("p2", "POST", heartbeat), "POST", heartbeat, "p1"));
        assertEquals(403, e.status());
        assertEquals("forbidden", e.code());
        assertEquals(403, refused(() -> PeerAuthenticator.requireSamePeer("p2", "p1")).status());
        assertEquals(403, refused(() -> PeerAuthenticator.requireSamePeer("p2", null)).status());
        assertDoesNotThrow(() -> PeerAuthenticator.requireSamePeer("p1", "p1"));
    }

    @Test
    void theOperatorApiNeedsTheOperatorToken() {
        OperatorAuthenticator op = new OperatorAuthenticator(OperatorToken.of("operator-token-0123456789"));
        assertDoesNotThrow(() -> op.authenticate("Bearer operator-token-0123456789"));
        assertDoesNotThrow(() -> op.authenticate("Basic " + base64("harbor:operator-token-0123456789")));
        assertDoesNotThrow(() -> op.authenticate("Basic " + base64(":operator-token-0123456789")));
        for (String bad : new String[]{null, "", "Bearer wrong-token-0123456789", "Basic " + base64("operator-token-0123456789:x"),
                "Basic !!!", tokens.authorization("p1", "GET", REGISTER)}) {
            ApiException e = refused(() -> op.authenticate(bad));
            assertEquals(401, e.status(), String.valueOf(bad));
            assertTrue(e.getMessage().contains(OperatorToken.PROPERTY), e.getMessage());
        }
        assertEquals("Basic realm=\"dfly supernode\"", OperatorAuthenticator.CHALLENGE);
    }

    @Test
    void aPieceGoesOnlyToTheAssignedPeerWithItsGrant() {
        PieceAccess access = new PieceAccess(tokens, TestSecrets.SECRET.pieceGrants());
        PieceGrants grants = TestSecrets.SECRET.pieceGrants();
        String path = "/peer/tasks/" + TASK + "/pieces/3";
        String grant = grants.mint(TASK, 3, "p1");
        assertEquals(Optional.empty(), access.refusal(tokens.authorization("p1", "GET", path), grant, "GET", path, TASK, 3));
        // each outsider: no token, a forged one, one for another request, no grant, someone else's, a forged one
        assertTrue(access.refusal(null, grant, "GET", path, TASK, 3).orElseThrow().contains("dfly.security.cluster-secret-file"));
        assertTrue(access.refusal(outsider.authorization("p1", "GET", path), grant, "GET", path, TASK, 3).isPresent());
        assertTrue(access.refusal(tokens.authorization("p1", "GET", path + "0"), grant, "GET", path, TASK, 3).isPresent());
        assertTrue(access.refusal(tokens.authorization("p1", "GET", path), null, "GET", path, TASK, 3).isPresent());
        assertTrue(access.refusal(tokens.authorization("p2", "GET", path), grant, "GET", path, TASK, 3).isPresent());
        assertTrue(access.refusal(tokens.authorization("p1", "GET", path), grants.mint(TASK, 4, "p1"), "GET", path, TASK, 3).isPresent());
        assertTrue(access.refusal(tokens.authorization("p1", "GET", path), TestSecrets.OTHER_SECRET.pieceGrants().mint(TASK, 3, "p1"),
                "GET", path, TASK, 3).isPresent());
    }

    private static String base64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }
}
