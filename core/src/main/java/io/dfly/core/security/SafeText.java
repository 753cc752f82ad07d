package io.dfly.core.security;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Text dfly did not write itself (an exception's message, a library's or an origin's error) made fit for a
 * log line or an API answer: every URL in it is shown as {@link SafeUrls#display} shows it (no query, no
 * user info), {@code Bearer}/{@code Basic}/{@code Dfly-Host} credentials and {@code name=value} pairs of
 * signature and token parameters are hidden, control characters become '?', and the whole is cut at
 * {@value #MAX} characters. The one implementation for every module (supernode, mirror, engine).
 */
public final class SafeText {
    public static final int MAX = 400;
    static final String HIDDEN = "(hidden)";
    private static final Pattern URL = Pattern.compile("(?i)\\b[a-z][a-z0-9+.-]*://[^\\s\"'<>]*[^\\s\"'<>.,;:)\\]]");
    private static final Pattern SCHEME_CREDENTIAL = Pattern.compile("(?i)\\b(bearer|basic|dfly-host)\\s+[^\\s,\"']+");
    private static final Pattern SECRET_PARAM = Pattern.compile("(?i)\\b(x-amz-signature|x-amz-security-token|x-amz-credential"
            + "|signature|sig|token|access_token|refresh_token|password|secret|ossaccesskeyid|x-oss-signature"
            + "|x-goog-signature|x-goog-credential)=[^&\\s\"'()<>,;]*");

    private SafeText() {
    }

    /** The text made safe to show; null stays null. */
    public static String scrub(String text) {
        if (text == null) {
            return null;
        }
        Matcher m = URL.matcher(text);
        StringBuilder b = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(b, Matcher.quoteReplacement(SafeUrls.display(m.group())));
        }
        m.appendTail(b);
        String out = SCHEME_CREDENTIAL.matcher(b).replaceAll("$1 " + HIDDEN);
        out = SECRET_PARAM.matcher(out).replaceAll("$1=" + HIDDEN);
        StringBuilder clean = new StringBuilder(Math.min(out.length(), MAX + 1));
        for (int i = 0; i < out.length() && clean.length() < MAX; i++) {
            char c = out.charAt(i);
            clean.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        if (out.length() > MAX) {
            clean.append('…');
        }
        return clean.toString();
    }

    /** {@code ClassName: scrubbed message}, like {@link Throwable#toString()}. */
    public static String of(Throwable t) {
        if (t == null) {
            return "";
        }
        String msg = t.getMessage();
        return t.getClass().getName() + (msg == null ? "" : ": " + scrub(msg));
    }

    /**
     * A copy of an exception to log with its stack trace: the same class names (as text) and frames, every
     * message in the cause chain scrubbed.
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
