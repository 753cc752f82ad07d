package io.dfly.mirror;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RedactTest {
    @Test
    void hidesQueriesUserInfoAndCredentials() {
        assertEquals("fetch https://s3.example/b/k failed", Redact.text("fetch https://AK:SK@s3.example/b/k?X-Amz-Signature=abc&x=1 failed"));
        assertEquals("Authorization: Bearer (hidden), Basic (hidden)", Redact.text("Authorization: Bearer eyJ.a.b, Basic dTpw"));
        assertEquals("sig=(hidden)&Signature=(hidden) (token=(hidden))", Redact.text("sig=S1&Signature=S2 (token=T)"));
        assertEquals("a?b?c", Redact.text("a\nb\rc"));
        assertEquals("", Redact.text(null));
        assertTrue(Redact.text("x".repeat(1000)).length() <= Redact.MAX + 1);
        assertEquals("plain text: /v2/lib/app stays", Redact.text("plain text: /v2/lib/app stays"));
    }

    @Test
    void throwableForLogKeepsClassAndStackButNotTheSecret() {
        IllegalStateException cause = new IllegalStateException("inner http://h/x?sig=SECRET");
        RuntimeException e = new RuntimeException("outer Bearer SECRET", cause);
        Throwable safe = Redact.forLog(e);
        assertArrayEquals(e.getStackTrace(), safe.getStackTrace());
        StringWriter w = new StringWriter();
        safe.printStackTrace(new PrintWriter(w));
        String printed = w.toString();
        assertFalse(printed.contains("SECRET"), printed);
        assertTrue(printed.contains("java.lang.RuntimeException: outer Bearer (hidden)"), printed);
        assertTrue(printed.contains("Caused by: java.lang.IllegalStateException: inner http://h/x"), printed);
        assertEquals("java.lang.IllegalStateException: inner http://h/x", Redact.of(cause));
    }
}
