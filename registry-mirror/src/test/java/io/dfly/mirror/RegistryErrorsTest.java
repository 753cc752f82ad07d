package io.dfly.mirror;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The mirror's error bodies are valid distribution-spec JSON whatever text they carry. */
class RegistryErrorsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final List<String> HOSTILE = List.of(
            "plain words",
            "\"quoted\", \"\\\"escaped quotes\\\"\"",
            "back\\slash \\u0041 \\n not an escape",
            "controls \u0000\u0001\u0007\b\f\n\r\t\u001b\u001f\u007f end",
            "</script><script>alert(1)</script>",
            "\"}]},{\"code\":\"INJECTED\"",
            "unicode: é ß 中文 emoji \uD83D\uDC33 rtl \u202E override, line sep \u2028 para \u2029",
            "lone surrogates \uD800 and \uDFFF",
            "");

    @Test
    void hostileTextRoundTripsAsValidJson() throws Exception {
        for (String text : HOSTILE) {
            String body = RegistryErrors.json("NAME_INVALID", text, text);
            JsonNode errors = JSON.readTree(body).get("errors");
            assertEquals(1, errors.size(), body);
            JsonNode e = errors.get(0);
            assertEquals("NAME_INVALID", e.get("code").asText(), body);
            assertEquals(text, e.get("message").asText(), body);
            assertEquals(text, e.get("detail").asText(), body);
            assertEquals(3, e.size(), "code, message, detail and nothing else: " + body);
            for (char c : body.toCharArray()) {
                assertFalse(c < 0x20, "no raw control character in " + body);
            }
        }
    }

    @Test
    void aMissingDetailIsNullAndTheFieldsKeepTheSpecsOrder() throws Exception {
        String body = RegistryErrors.json("BLOB_UNKNOWN", "blob unknown to registry", null);
        assertEquals("{\"errors\":[{\"code\":\"BLOB_UNKNOWN\",\"message\":\"blob unknown to registry\",\"detail\":null}]}", body);
        assertTrue(JSON.readTree(body).get("errors").get(0).get("detail").isNull());
    }

    @Test
    void theResponseCarriesTheBodyAsUtf8WithItsLength() throws Exception {
        String text = "naïve \uD83D\uDC33 \"x\" \u0000 lone \uD800";
        MirrorResponse r = RegistryErrors.error(400, "DIGEST_INVALID", text, "/v2/\u00e9");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        r.body().writeTo(out);
        byte[] body = out.toByteArray();
        assertEquals(400, r.status());
        assertEquals(String.valueOf(body.length), r.header("Content-Length"));
        assertEquals("application/json; charset=utf-8", r.header("Content-Type"));
        JsonNode e = JSON.readTree(new String(body, StandardCharsets.UTF_8)).get("errors").get(0);
        assertEquals(text, e.get("message").asText());
        assertEquals("/v2/\u00e9", e.get("detail").asText());
    }
}
