package io.dfly.supernode;

import io.dfly.core.security.SafeUrls;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Text from elsewhere (an exception's message, a library's error) made fit for a log line or an API
 * answer: every URL in it is shown as {@link SafeUrls#display} shows it (no query, no user info), so a
 * signed URL's signature or a {@code user:password@} never gets out through a message dfly did not write.
 */
public final class SafeText {
    private static final Pattern URL = Pattern.compile("(?i)\\b[a-z][a-z0-9+.-]*://[^\\s\"'<>]*[^\\s\"'<>.,;:)\\]]");

    private SafeText() {
    }

    /** The text with every URL in it cut to scheme, host, port and path. */
    public static String scrub(String text) {
        if (text == null) {
            return null;
        }
        Matcher m = URL.matcher(text);
        if (!m.find()) {
            return text;
        }
        StringBuilder out = new StringBuilder();
        do {
            m.appendReplacement(out, Matcher.quoteReplacement(SafeUrls.display(m.group())));
        } while (m.find());
        m.appendTail(out);
        return out.toString();
    }

    /**
     * A copy of an exception to log with its stack trace: the same class names (as text) and frames, each
     * message scrubbed, so logging it prints no query string or user info of any URL its messages held.
     */
    public static Throwable scrubbed(Throwable t) {
        return copy(t, 0);
    }

    private static Throwable copy(Throwable t, int depth) {
        if (t == null || depth > 8) {
            return null;
        }
        Scrubbed s = new Scrubbed(t.getClass().getName(), scrub(t.getMessage()), copy(t.getCause(), depth + 1));
        s.setStackTrace(t.getStackTrace());
        return s;
    }

    /** An exception as logged: prints as {@code <original class>: <scrubbed message>}. */
    static final class Scrubbed extends Exception {
        private static final long serialVersionUID = 1L;
        private final String originalClass;

        Scrubbed(String originalClass, String message, Throwable cause) {
            super(message, cause, false, true);
            this.originalClass = originalClass;
        }

        @Override
        public String toString() {
            return getMessage() == null ? originalClass : originalClass + ": " + getMessage();
        }
    }
}
