package io.dfly.core.protocol;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reports in pulls keep the wire compatible both ways: old clients' pulls, old supernodes' answers. */
class PullJsonTest {
    private static final ObjectMapper JSON = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    @Test
    void aPullWithoutReportsIsStillValidAndIsSentWithoutTheField() throws Exception {
        PullRequest old = JSON.readValue("{\"peerId\":\"p\",\"have\":\"\",\"maxPieces\":4}", PullRequest.class);
        assertEquals(new PullRequest("p", "", 4), old);
        assertNull(old.reports());
        assertTrue(old.reportsOrEmpty().isEmpty());
        assertFalse(JSON.writeValueAsString(new PullRequest("p", "", 4)).contains("reports"));
        assertFalse(JSON.writeValueAsString(new PullRequest("p", "", 4, List.of())).contains("reports"));
    }

    @Test
    void reportsRideInThePull() throws Exception {
        PullRequest sent = new PullRequest("p", "AQ", 2, List.of(new PieceReport("p", 3, "supernode:h:1", true, null),
                new PieceReport("p", 4, "q", false, "digest mismatch")));
        String text = JSON.writeValueAsString(sent);
        assertTrue(text.contains("\"reports\":[{\"peerId\":\"p\",\"pieceNum\":3"), text);
        assertEquals(sent, JSON.readValue(text, PullRequest.class));
    }

    @Test
    void anAnswerWithoutReportsReadMeansNoneWasRead() throws Exception {
        PullResponse old = JSON.readValue("{\"action\":\"WAIT\",\"pieces\":[],\"contentLength\":5,\"pieceCount\":1,"
                + "\"pieceSize\":4194304,\"waitMillis\":100}", PullResponse.class);
        assertEquals(0, old.reportsRead());
        assertEquals(100, old.waitMillis());
        PullResponse now = new PullResponse(PullAction.DONE, List.of(), 5, 1, 4194304, null, null, 0, 3);
        assertEquals(now, JSON.readValue(JSON.writeValueAsString(now), PullResponse.class));
    }
}
