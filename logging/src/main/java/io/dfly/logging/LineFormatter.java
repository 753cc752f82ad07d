package io.dfly.logging;

import java.util.logging.Formatter;
import java.util.logging.LogRecord;

/**
 * dfly's text log format: one line per record, {@code time level component message}, e.g.
 * {@code 2026-12-01T13:42:05.908Z INFO    TaskService task c9bc…: new, fetching https://… from the origin}.
 * No colour codes; an exception is summarised on the same line (its type, message and first frame).
 */
public class LineFormatter extends Formatter {
    @Override
    public String format(LogRecord record) {
        LogLine l = LogLine.of(record, this);
        StringBuilder b = new StringBuilder(64 + l.message.length());
        b.append(l.time).append(' ').append(String.format("%-7s", l.level)).append(' ').append(l.component)
                .append(' ').append(l.message);
        if (l.exception != null) {
            b.append(" — ").append(l.exception);
        }
        return b.append('\n').toString();
    }
}
