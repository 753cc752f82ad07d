package io.dfly.core.security;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafeTextTest {
    @Test
    void hidesQueriesUserInfoAndCredentials() {
        assertEquals("failed for http://h:1/p and https://s3.example/b/k, done",
                SafeText.scrub("failed for http://u:pw@h:1/p?sig=S and https://s3.example/b/k?X-Amz-Signature=abc, done"));
        assertEquals("Authorization: Bearer (hidden), Basic (hidden), Dfly-Host (hidden)",
                SafeText.scrub("Authorization: Bearer eyJ.a.b, Basic dTpw, Dfly-Host v1.a.b.c.d"));
        assertEquals("sig=(hidden)&Signature=(hidden) (token=(hidden))", SafeText.scrub("sig=S1&Signature=S2 (token=T)"));
        assertEquals("a?b?c", SafeText.scrub("a\nb\rc"));
        assertNull(SafeText.scrub(null));
        assertTrue(SafeText.scrub("x".repeat(1000)).length() <= SafeText.MAX + 1);
        assertEquals("plain text: /v2/lib/app stays", SafeText.scrub("plain text: /v2/lib/app stays"));
    }

    @Test
    void aScrubbedExceptionKeepsItsClassesAndFramesButNoSecret() {
        IllegalStateException cause = new IllegalStateException("inner http://h/x?sig=SECRET");
        RuntimeException e = new RuntimeException("outer Bearer SECRET", cause);
        Throwable safe = SafeText.scrubbed(e);
        assertArrayEquals(e.getStackTrace(), safe.getStackTrace());
        StringWriter w = new StringWriter();
        safe.printStackTrace(new PrintWriter(w));
        String printed = w.toString();
        assertFalse(printed.contains("SECRET"), printed);
        assertTrue(printed.startsWith("java.lang.RuntimeException: outer Bearer (hidden)"), printed);
        assertTrue(printed.contains("Caused by: java.lang.IllegalStateException: inner http://h/x"), printed);
        assertTrue(printed.contains("SafeTextTest"), "the frames are kept");
        assertEquals("java.lang.IllegalStateException: inner http://h/x", SafeText.of(cause));
    }
}
