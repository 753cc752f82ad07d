package io.dfly.logging;

import java.io.FileOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.logging.ErrorManager;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.StreamHandler;

/**
 * Writes records to exactly one file, {@code FILE}, appending; when it has grown past {@code limit} bytes it
 * becomes {@code FILE.1} (and {@code FILE.1} becomes {@code FILE.2}, ..., up to {@code FILE.<count>}; the
 * oldest is dropped) and a new {@code FILE} is started. {@link KnownNoise} is applied first. Properties, under
 * {@code io.dfly.logging.RotatingFileHandler.}: {@code file} (required), {@code limit} (bytes, or a size
 * such as {@code 10M}; default 10M), {@code count} (rotated files kept, at least 1, default 5), and the usual
 * {@code level} and {@code formatter}.
 */
public class RotatingFileHandler extends StreamHandler {
    static final long DEFAULT_LIMIT = 10L << 20;
    static final int DEFAULT_COUNT = 5;

    private final Path file;
    private final long limit;
    private final int count;
    private Counting out;

    /** Configured from the LogManager's properties. */
    public RotatingFileHandler() {
        this(Path.of(required(prop("file"))), parseSize(prop("limit"), DEFAULT_LIMIT), parseCount(prop("count")));
    }

    RotatingFileHandler(Path file, long limit, int count) {
        this.file = file.toAbsolutePath();
        this.limit = Math.max(1024, limit);
        this.count = Math.max(1, count);
        open();
    }

    @Override
    public synchronized void publish(LogRecord record) {
        LogRecord r = KnownNoise.rewrite(record);
        if (!isLoggable(r)) {
            return;
        }
        super.publish(r);
        flush(); // a reader (tail -f) sees each record at once
        if (out != null && out.written >= limit) {
            rotate();
        }
    }

    private void rotate() {
        try {
            Files.deleteIfExists(numbered(count));
            for (int i = count - 1; i >= 1; i--) {
                if (Files.exists(numbered(i))) {
                    Files.move(numbered(i), numbered(i + 1), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            Files.move(file, numbered(1), StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            reportError("cannot rotate " + file, e, ErrorManager.GENERIC_FAILURE);
        }
        open(); // closes the old stream (now FILE.1)
    }

    private void open() {
        try {
            Path dir = file.getParent();
            if (dir != null) {
                Files.createDirectories(dir);
            }
            out = new Counting(new FileOutputStream(file.toFile(), true), Files.exists(file) ? Files.size(file) : 0);
            setOutputStream(out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the log file " + file, e);
        }
    }

    Path numbered(int i) {
        return file.resolveSibling(file.getFileName() + "." + i);
    }

    private static String prop(String name) {
        return LogManager.getLogManager().getProperty(RotatingFileHandler.class.getName() + "." + name);
    }

    private static String required(String file) {
        if (file == null || file.isBlank()) {
            throw new IllegalArgumentException(RotatingFileHandler.class.getName() + ".file is not set");
        }
        return file.strip();
    }

    /** {@code 1048576}, {@code 512K}, {@code 10M}, {@code 1G} (binary units); {@code def} when unset or bad. */
    static long parseSize(String s, long def) {
        if (s == null || s.isBlank()) {
            return def;
        }
        String t = s.strip().toUpperCase(Locale.ROOT);
        int shift = switch (t.charAt(t.length() - 1)) {
            case 'K' -> 10;
            case 'M' -> 20;
            case 'G' -> 30;
            default -> 0;
        };
        try {
            return Long.parseLong(shift == 0 ? t : t.substring(0, t.length() - 1)) << shift;
        } catch (NumberFormatException e) {
            return def;
        }
    }

    private static int parseCount(String s) {
        try {
            return s == null || s.isBlank() ? DEFAULT_COUNT : Integer.parseInt(s.strip());
        } catch (NumberFormatException e) {
            return DEFAULT_COUNT;
        }
    }

    /** Counts the bytes written to the current file. */
    private static final class Counting extends FilterOutputStream {
        long written;

        Counting(OutputStream out, long already) {
            super(out);
            this.written = already;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            written++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            written += len;
        }
    }
}
