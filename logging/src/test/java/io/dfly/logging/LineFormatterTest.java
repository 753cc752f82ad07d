package io.dfly.logging;

import org.junit.jupiter.api.Test;

import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LineFormatterTest {
    /** The shape every line of a dfly log has (the it tests check whole logs against it). */
    static final Pattern LINE = Pattern.compile(
            "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}(Z|[+-]\\d\\d:\\d\\d) (SEVERE|WARNING|INFO|CONFIG|FINE|FINER|FINEST) +\\S+ \\S.*\n");

    private static LogRecord record(Level level, String logger, String message) {
        LogRecord r = new LogRecord(level, message);
        r.setLoggerName(logger);
        return r;
    }

    @Test
    void oneLineWithTimeZoneLevelComponentMessage() {
        String line = new LineFormatter().format(record(Level.INFO, "io.dfly.supernode.task.TaskService", "task 1: new"));
        assertTrue(LINE.matcher(line).matches(), line);
        assertTrue(line.endsWith(" INFO    TaskService task 1: new\n"), line);
    }

    @Test
    void newLinesAndColourCodesCannotMakeASecondLine() {
        String line = new LineFormatter().format(record(Level.WARNING, "PayaraMicro",
                "\u001b[1;92mINFO\u001b[0m first\n\n2026-01-01T00:00:00.000Z SEVERE forged  line\r\n"));
        assertEquals(1, line.split("\n", -1).length - 1, line);
        assertFalse(line.contains("\u001b"), line);
        assertTrue(line.endsWith(" WARNING payara INFO first 2026-01-01T00:00:00.000Z SEVERE forged line\n"), line);
    }

    @Test
    void parametersAreFilledAndExceptionsSummarisedOnTheSameLine() {
        LogRecord r = record(Level.SEVERE, "io.dfly.dfdaemon", "cannot reach {0}");
        r.setParameters(new Object[]{"127.0.0.1:8002"});
        r.setThrown(new RuntimeException("outer", new java.io.IOException("refused")));
        String line = new LineFormatter().format(r);
        assertTrue(LINE.matcher(line).matches(), line);
        assertTrue(line.contains("dfdaemon cannot reach 127.0.0.1:8002 — java.lang.RuntimeException: outer (at "), line);
        assertTrue(line.contains("caused by java.io.IOException: refused"), line);
    }

    @Test
    void componentIsTheClassForDflyAndTheProductOtherwise() {
        assertEquals("supernode", Component.of("io.dfly.supernode"));
        assertEquals("BackToSource", Component.of("io.dfly.supernode.cdn.BackToSource"));
        assertEquals("grizzly", Component.of("org.glassfish.grizzly.filterchain.DefaultFilterChain"));
        assertEquals("hazelcast", Component.of("com.hazelcast.cp.CPSubsystem"));
        assertEquals("payara", Component.of("javax.enterprise.system.core"));
        assertEquals("payara", Component.of("PayaraMicro"));
        assertEquals("root", Component.of(""));
    }

    @Test
    void longMessagesAreBounded() {
        String line = new LineFormatter().format(record(Level.INFO, "io.dfly.x", "a".repeat(100_000)));
        assertTrue(line.length() < LogLine.MAX_MESSAGE + 200, "length " + line.length());
    }
}
