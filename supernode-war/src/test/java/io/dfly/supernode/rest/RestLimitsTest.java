package io.dfly.supernode.rest;

import io.dfly.core.protocol.PullRequest;
import io.dfly.supernode.task.ApiException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.MultivaluedHashMap;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.annotation.Annotation;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** JSON bodies are capped before they are parsed: 413 {@code too_large}. */
class RestLimitsTest {
    private final JsonProvider json = new JsonProvider();

    @SuppressWarnings({"unchecked", "rawtypes"})
    private Object read(Class<?> type, byte[] body, String contentLength) throws IOException {
        MultivaluedHashMap<String, String> headers = new MultivaluedHashMap<>();
        if (contentLength != null) {
            headers.putSingle("Content-Length", contentLength);
        }
        return json.readFrom((Class) type, type, new Annotation[0], MediaType.APPLICATION_JSON_TYPE, headers,
                new ByteArrayInputStream(body));
    }

    @Test
    void aBodyOver64KiBIsA413BeforeItIsParsed() throws Exception {
        String pad = "x".repeat(JsonProvider.MAX_BODY_BYTES);
        byte[] big = ("{\"peerId\":\"" + pad + "\",\"have\":\"\",\"maxPieces\":1}").getBytes(StandardCharsets.UTF_8);
        ApiException e = assertThrows(ApiException.class, () -> read(PullRequest.class, big, null));
        assertEquals(413, e.status());
        assertEquals("too_large", e.code());
        // a declared length over the cap is refused without reading a byte
        InputStream never = new InputStream() {
            @Override
            public int read() {
                throw new AssertionError("the body was read");
            }
        };
        MultivaluedHashMap<String, String> headers = new MultivaluedHashMap<>();
        headers.putSingle("Content-Length", "8388608");
        ApiException declared = assertThrows(ApiException.class, () -> json.readFrom((Class) PullRequest.class,
                PullRequest.class, new Annotation[0], MediaType.APPLICATION_JSON_TYPE, headers, never));
        assertEquals(413, declared.status());
        assertEquals(400, assertThrows(ApiException.class, () -> read(PullRequest.class, "{".getBytes(), null)).status());
        PullRequest ok = (PullRequest) read(PullRequest.class, "{\"peerId\":\"p\",\"have\":\"\",\"maxPieces\":2}".getBytes(), "40");
        assertEquals(2, ok.maxPieces());
    }

    @Test
    void aRetryAfterIsAnswered() {
        var r = new ErrorMappers.Api().toResponse(new ApiException(503, "busy", "full", 1));
        assertEquals(503, r.getStatus());
        assertEquals("1", String.valueOf(r.getHeaders().getFirst("Retry-After")));
        assertEquals(null, new ErrorMappers.Api().toResponse(new ApiException(400, "bad_request", "x")).getHeaders()
                .getFirst("Retry-After"));
    }
}
