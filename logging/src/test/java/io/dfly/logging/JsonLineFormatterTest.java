package io.dfly.logging;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.time.OffsetDateTime;
import java.util.logging.Level;
import java.util.logging.LogRecord;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JsonLineFormatterTest {
    @Test
    void oneJsonObjectPerLineThatJacksonReads() throws Exception {
        LogRecord r = new LogRecord(Level.WARNING, "quote \" backslash \\ tab \t newline \n bell \u0007 done");
        r.setLoggerName("io.dfly.supernode.cdn.BackToSource");
        r.setThrown(new IllegalStateException("boom"));
        String line = new JsonLineFormatter().format(r);
        assertTrue(line.endsWith("}\n"), line);
        assertEquals(line.length() - 1, line.indexOf('\n'), "one line: " + line);
        JsonNode n = new ObjectMapper().readTree(line);
        OffsetDateTime.parse(n.get("time").asText()); // ISO 8601 with the zone
        assertEquals("WARNING", n.get("level").asText());
        assertEquals("BackToSource", n.get("component").asText());
        assertEquals("io.dfly.supernode.cdn.BackToSource", n.get("logger").asText());
        assertEquals("quote \" backslash \\ tab newline bell done", n.get("message").asText());
        assertTrue(n.get("exception").asText().startsWith("java.lang.IllegalStateException: boom\n\tat "), n.toString());
    }

    @Test
    void noExceptionFieldWithoutOne() throws Exception {
        LogRecord r = new LogRecord(Level.INFO, "ready");
        r.setLoggerName("io.dfly.dfdaemon");
        JsonNode n = new ObjectMapper().readTree(new JsonLineFormatter().format(r));
        assertFalse(n.has("exception"));
        assertEquals("dfdaemon", n.get("component").asText());
    }
}
