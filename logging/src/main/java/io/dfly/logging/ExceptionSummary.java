package io.dfly.logging;

import java.io.PrintWriter;
import java.io.StringWriter;

/** An exception as text: one line for the text format, the full stack trace for JSON. */
final class ExceptionSummary {
    private static final int MAX_CAUSES = 4;

    private ExceptionSummary() {
    }

    /** {@code Type: message (at Class.method:line); caused by Type: message (at ...)}, bounded. */
    static String of(Throwable t) {
        StringBuilder b = new StringBuilder();
        Throwable c = t;
        for (int i = 0; c != null && i < MAX_CAUSES; i++, c = c.getCause() == c ? null : c.getCause()) {
            if (i > 0) {
                b.append("; caused by ");
            }
            b.append(c.getClass().getName());
            if (c.getMessage() != null) {
                b.append(": ").append(c.getMessage());
            }
            StackTraceElement[] st = c.getStackTrace();
            if (st.length > 0) {
                b.append(" (at ").append(st[0].getClassName()).append('.').append(st[0].getMethodName());
                if (st[0].getLineNumber() > 0) {
                    b.append(':').append(st[0].getLineNumber());
                }
                b.append(')');
            }
        }
        return LogLine.oneLine(b.toString(), 2000);
    }

    /** The full stack trace (JSON escapes its new lines), bounded. */
    static String stackTrace(Throwable t) {
        StringWriter w = new StringWriter();
        t.printStackTrace(new PrintWriter(w));
        String s = w.toString().stripTrailing();
        return s.length() > 16_000 ? s.substring(0, 16_000) + "…" : s;
    }
}
