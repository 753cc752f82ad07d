package io.dfly.mirror;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/** Captures every record logged under {@code io.dfly.mirror}, formatted as a handler would print it (stack traces included). */
final class LogCapture extends Handler implements AutoCloseable {
    private static final Logger MIRROR = Logger.getLogger("io.dfly.mirror"); // held: a logger nobody holds may be collected
    final List<LogRecord> records = new CopyOnWriteArrayList<>();
    private final SimpleFormatter formatter = new SimpleFormatter();

    LogCapture() {
        setLevel(Level.ALL);
        MIRROR.addHandler(this);
    }

    @Override
    public void publish(LogRecord record) {
        records.add(record);
    }

    /** Everything the records would print: formatted messages, raw parameters, thrown chains with stacks. */
    String text() {
        StringBuilder b = new StringBuilder();
        for (LogRecord r : records) {
            b.append(formatter.format(r)).append('\n');
            if (r.getParameters() != null) {
                for (Object p : r.getParameters()) {
                    b.append(p).append('\n');
                }
            }
            if (r.getThrown() != null) {
                StringWriter w = new StringWriter();
                r.getThrown().printStackTrace(new PrintWriter(w));
                b.append(w).append('\n');
            }
        }
        return b.toString();
    }

    List<LogRecord> at(Level level) {
        return records.stream().filter(r -> r.getLevel().equals(level)).toList();
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        MIRROR.removeHandler(this);
    }
}
