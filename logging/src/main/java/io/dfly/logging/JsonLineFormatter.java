package io.dfly.logging;

import java.util.logging.Formatter;
import java.util.logging.LogRecord;

/**
 * dfly's log format for log shippers: one JSON object per line (JSON Lines), with {@code time} (ISO 8601
 * with the zone), {@code level}, {@code component}, {@code logger}, {@code message}, {@code thread} (the
 * thread's id) and, for a record with an exception, {@code exception} (its full stack trace). Written by
 * hand because classes on the boot class path see only the JDK; the tests read it back with Jackson.
 */
public class JsonLineFormatter extends Formatter {
    @Override
    public String format(LogRecord record) {
        LogLine l = LogLine.of(record, this);
        StringBuilder b = new StringBuilder(128 + l.message.length());
        b.append('{');
        field(b, "time", l.time).append(',');
        field(b, "level", l.level).append(',');
        field(b, "component", l.component).append(',');
        field(b, "logger", l.logger).append(',');
        field(b, "message", l.message).append(',');
        b.append("\"thread\":").append(record.getLongThreadID());
        if (record.getThrown() != null) {
            b.append(',');
            field(b, "exception", ExceptionSummary.stackTrace(record.getThrown()));
        }
        return b.append("}\n").toString();
    }

    private static StringBuilder field(StringBuilder b, String name, String value) {
        b.append('"').append(name).append("\":\"");
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f || c == '\u2028' || c == '\u2029') {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"');
    }
}
