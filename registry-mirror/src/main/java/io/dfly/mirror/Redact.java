package io.dfly.mirror;

import io.dfly.core.security.SafeUrls;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Text the mirror did not write itself (exception messages from the HTTP client, the engine, the JDK) made
 * fit for a log line or an error body: URLs lose their query and user info ({@link SafeUrls#display}),
 * {@code Bearer}/{@code Basic} credentials and {@code name=value} pairs of signature and token parameters
 * are hidden, control characters become '?', and the whole is cut at {@value #MAX} characters.
 */
final class Redact {
    static final int MAX = 400;
    private static final String HIDDEN = "(hidden)";
    private static final Pattern URL = Pattern.compile("(?i)\\b[a-z][a-z0-9+.-]*://[^\\s\"'<>]+");
    private static final Pattern SCHEME_CREDENTIAL = Pattern.compile("(?i)\\b(bearer|basic|dfly-host)\\s+[^\\s,\"']+");
    private static final Pattern SECRET_PARAM = Pattern.compile("(?i)\\b(x-amz-signature|x-amz-security-token|x-amz-credential"
            + "|signature|sig|token|access_token|refresh_token|password|secret|ossaccesskeyid|x-oss-signature"
            + "|x-goog-signature|x-goog-credential)=[^&\\s\"'()<>,;]*");

    private Redact() {
    }

    static String text(String s) {
        if (s == null) {
            return "";
        }
        Matcher m = URL.matcher(s);
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

    /** {@code ClassName: redacted message}, like {@link Throwable#toString()}. */
    static String of(Throwable t) {
        if (t == null) {
            return "";
        }
        String msg = t.getMessage();
        return t.getClass().getName() + (msg == null ? "" : ": " + text(msg));
    }

    /**
     * A stand-in for {@code t} to log with its stack trace: same class name in the message, same stack,
     * every message in the cause chain redacted.
     */
    static Throwable forLog(Throwable t) {
        return forLog(t, 0);
    }

    private static Throwable forLog(Throwable t, int depth) {
        if (t == null || depth > 8) {
            return null;
        }
        Throwable copy = new RedactedThrowable(of(t), forLog(t.getCause(), depth + 1));
        copy.setStackTrace(t.getStackTrace());
        return copy;
    }

    /** Carries a redacted message and the original stack trace. */
    static final class RedactedThrowable extends Exception {
        RedactedThrowable(String message, Throwable cause) {
            super(message, cause);
        }

        @Override
        public String toString() {
            return getMessage(); // already "OriginalClass: message"
        }
    }
}
