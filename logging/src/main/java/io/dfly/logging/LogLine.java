package io.dfly.logging;

import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.logging.Formatter;
import java.util.logging.LogRecord;

/**
 * The parts of one log record a reader needs, each already safe to print on one line: the time with its
 * zone, the level, the component (who logged it, in a word), the message (control characters and ANSI
 * colour codes removed, bounded in length) and a one-line summary of the exception, if any.
 */
final class LogLine {
    /** Longest message printed; longer ones end with an ellipsis (a log line must stay bounded). */
    static final int MAX_MESSAGE = 4000;
    static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX")
            .withZone(ZoneId.systemDefault());

    final String time;
    final String level;
    final String component;
    final String logger;
    final String message;
    final String exception;

    private LogLine(LogRecord r, String message) {
        this.time = TIME.format(r.getInstant());
        this.level = r.getLevel().getName();
        this.logger = r.getLoggerName() == null ? "" : r.getLoggerName();
        this.component = Component.of(logger);
        this.message = oneLine(message, MAX_MESSAGE);
        this.exception = r.getThrown() == null ? null : ExceptionSummary.of(r.getThrown());
    }

    /** The record as printed; {@code formatter} resolves the message's resource bundle and parameters. */
    static LogLine of(LogRecord r, Formatter formatter) {
        String m;
        try {
            m = formatter.formatMessage(r);
        } catch (RuntimeException e) {
            m = String.valueOf(r.getMessage());
        }
        return new LogLine(r, m == null ? "" : m);
    }

    /**
     * {@code text} on one line: ANSI escape sequences dropped, every run of white space or control characters
     * (new lines included, so a message cannot forge a second record) made one space, cut at {@code max}.
     */
    static String oneLine(String text, int max) {
        StringBuilder b = new StringBuilder(Math.min(text.length(), max + 1));
        boolean space = false;
        for (int i = 0; i < text.length() && b.length() <= max; i++) {
            char c = text.charAt(i);
            if (c == '\u001b') { // ESC [ params letter: a colour code
                i++;
                if (i < text.length() && text.charAt(i) == '[') {
                    while (i + 1 < text.length() && !Character.isLetter(text.charAt(i + 1))) {
                        i++;
                    }
                    i++;
                }
                continue;
            }
            if (Character.isWhitespace(c) || Character.isISOControl(c)) {
                space = b.length() > 0;
                continue;
            }
            if (space) {
                b.append(' ');
                space = false;
            }
            b.append(c);
        }
        if (b.length() > max) {
            b.setLength(max);
            b.append('…');
        }
        return b.toString();
    }
}
