package io.dfly.logging;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.LogRecord;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RotatingFileHandlerTest {
    private static LogRecord record(String message) {
        LogRecord r = new LogRecord(Level.INFO, message);
        r.setLoggerName("io.dfly.test");
        return r;
    }

    @Test
    void writesExactlyTheFileNamedAndAppends(@TempDir Path tmp) throws Exception {
        Path log = tmp.resolve("supernode.log");
        Files.writeString(log, "earlier\n");
        RotatingFileHandler h = new RotatingFileHandler(log, 1 << 20, 3);
        h.setFormatter(new LineFormatter());
        h.publish(record("hello"));
        List<String> lines = Files.readAllLines(log); // flushed at once, before close
        assertEquals("earlier", lines.get(0));
        assertTrue(lines.get(1).endsWith(" INFO    test hello"), lines.toString());
        h.close();
        try (var files = Files.list(tmp)) {
            assertEquals(List.of(log), files.toList(), "no FILE.0, no lock file");
        }
    }

    @Test
    void rotatesIntoNumberedFilesAndKeepsAtMostCount(@TempDir Path tmp) throws Exception {
        Path log = tmp.resolve("dfdaemon.log");
        RotatingFileHandler h = new RotatingFileHandler(log, 2048, 2);
        h.setFormatter(new LineFormatter());
        for (int i = 0; i < 200; i++) {
            h.publish(record("record " + i + " " + "x".repeat(50)));
        }
        h.close();
        assertTrue(Files.exists(log));
        assertTrue(Files.exists(tmp.resolve("dfdaemon.log.1")));
        assertTrue(Files.exists(tmp.resolve("dfdaemon.log.2")));
        assertFalse(Files.exists(tmp.resolve("dfdaemon.log.3")), "only count rotated files are kept");
        for (Path p : List.of(log, tmp.resolve("dfdaemon.log.1"))) {
            assertTrue(Files.size(p) < 2048 + 200, p + " is " + Files.size(p) + " bytes");
        }
        List<String> last = Files.readAllLines(log);
        assertTrue(last.get(last.size() - 1).contains("record 199 "), last.toString());
    }

    @Test
    void sizesUseDflysUnits() {
        assertEquals(10L << 20, RotatingFileHandler.parseSize("10M", 1));
        assertEquals(512L << 10, RotatingFileHandler.parseSize("512k", 1));
        assertEquals(4096, RotatingFileHandler.parseSize("4096", 1));
        assertEquals(7, RotatingFileHandler.parseSize("lots", 7));
    }
}
