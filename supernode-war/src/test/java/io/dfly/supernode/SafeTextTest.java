package io.dfly.supernode;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafeTextTest {
    @Test
    void urlsInTextLoseQueryAndUserInfo() {
        assertEquals("failed for http://h:1/p and https://s3.example/b/k, done",
                SafeText.scrub("failed for http://u:pw@h:1/p?sig=S and https://s3.example/b/k?X-Amz-Signature=abc, done"));
        assertEquals("no url here", SafeText.scrub("no url here"));
        assertEquals(null, SafeText.scrub(null));
    }

    @Test
    void aScrubbedExceptionKeepsItsClassesAndFramesButNoSecret() {
        Exception e = new IllegalStateException("GET http://h/x?token=SECRET1",
                new java.io.IOException("Server returned 401 for URL: http://h/y?sig=SECRET2"));
        Throwable s = SafeText.scrubbed(e);
        StringWriter out = new StringWriter();
        s.printStackTrace(new PrintWriter(out));
        String text = out.toString();
        assertFalse(text.contains("SECRET"), text);
        assertTrue(text.startsWith("java.lang.IllegalStateException: GET http://h/x"), text);
        assertTrue(text.contains("java.io.IOException: Server returned 401 for URL: http://h/y"), text);
        assertTrue(text.contains("SafeTextTest"), "the frames are kept");
    }
}
