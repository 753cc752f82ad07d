package io.dfly.mirror;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AuthChallengeTest {
    @Test
    void parsesBearerWithQuotedCommas() {
        AuthChallenge c = AuthChallenge.parse("Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
                + "scope=\"repository:library/a:pull,push\"").orElseThrow();
        assertTrue(c.isBearer());
        assertEquals("https://auth.docker.io/token", c.param("realm").orElseThrow());
        assertEquals("registry.docker.io", c.param("service").orElseThrow());
        assertEquals("repository:library/a:pull,push", c.param("scope").orElseThrow());
    }

    @Test
    void parsesBasicAndOddInput() {
        AuthChallenge b = AuthChallenge.parse("Basic realm=\"basic-realm\"").orElseThrow();
        assertTrue(b.isBasic());
        assertEquals("basic-realm", b.param("realm").orElseThrow());
        assertTrue(AuthChallenge.parse(null).isEmpty());
        assertTrue(AuthChallenge.parse("Negotiate").orElseThrow().params().isEmpty());
        assertEquals("x", AuthChallenge.parse("bearer REALM=x").orElseThrow().param("realm").orElseThrow());
    }
}
