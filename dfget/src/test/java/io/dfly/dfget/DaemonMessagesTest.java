package io.dfly.dfget;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** dfget's side of the dfdaemon API's JSON, checked against Jackson's data binding (what the daemon uses). */
class DaemonMessagesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theRequestBodyIsTheObjectTheDaemonParses() throws Exception {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Authorization", "Bearer \"quoted\" \\ and \u00e9");
        JsonNode n = JSON.readTree(DaemonMessages.request("http://h/a?b=c", headers, null, "id-1", false));
        assertEquals("http://h/a?b=c", n.get("url").asText());
        assertEquals("Bearer \"quoted\" \\ and \u00e9", n.get("headers").get("Authorization").asText());
        assertTrue(n.get("digest").isNull());
        assertEquals("id-1", n.get("identifier").asText());
        assertFalse(n.get("backToSource").asBoolean(true));
        assertFalse(n.has("output"), "dfget never names a path for the daemon");
    }

    @Test
    void aProgressLineAndTheLastLine() throws Exception {
        DaemonMessages.Line p = DaemonMessages.line("{\"completedBytes\":10,\"totalBytes\":100,\"fromPeers\":1,\"fromSupernode\":2,"
                + "\"fromOrigin\":7,\"done\":false,\"error\":null,\"extra\":{\"nested\":[1,{\"done\":true}]}}");
        assertFalse(p.done());
        assertEquals(10, p.progress().completedBytes());
        assertEquals(100, p.progress().totalBytes());
        assertEquals(7, p.progress().fromOrigin());
        assertNull(p.taskId());
        DaemonMessages.Line last = DaemonMessages.line("{\"done\":true,\"error\":null,\"taskId\":\"" + "ab".repeat(32)
                + "\",\"digest\":\"sha256:" + "0".repeat(64) + "\",\"contentLength\":1024}");
        assertTrue(last.done());
        assertEquals("ab".repeat(32), last.taskId());
        assertEquals(1024, last.contentLength());
        assertEquals(-1, last.progress().totalBytes(), "an absent total is unknown");
        assertEquals("origin said 404", DaemonMessages.line("{\"done\":true,\"error\":\"origin said 404\"}").error());
    }

    @Test
    void aLineThatIsNotAnObjectIsAnError() {
        assertThrows(IOException.class, () -> DaemonMessages.line("[1,2]"));
        assertThrows(IOException.class, () -> DaemonMessages.line("{\"done\":tru"));
        assertThrows(IOException.class, () -> DaemonMessages.line("<html>"));
    }

    @Test
    void theMessageOfAnErrorBody() {
        assertEquals("enrolled hosts only", DaemonMessages.errorMessage("{\"error\":\"unauthorized\",\"message\":\"enrolled hosts only\"}"));
        assertNull(DaemonMessages.errorMessage("<html>502</html>"));
        assertNull(DaemonMessages.errorMessage(""));
        assertNull(DaemonMessages.errorMessage("{\"error\":\"x\",\"message\":{\"not\":\"text\"}}"));
    }
}
