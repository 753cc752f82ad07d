package io.dfly.mirror;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;

/**
 * Error answers in the distribution spec's format {@code {"errors":[{"code","message","detail"}]}}, written by
 * Jackson: whatever text a message or detail carries (an upstream's words, a client's path) comes out as
 * valid JSON, control characters and lone surrogates as {@code \}{@code uXXXX} escapes.
 */
public final class RegistryErrors {
    private static final ObjectMapper JSON = new ObjectMapper();

    private RegistryErrors() {
    }

    public static MirrorResponse error(int status, String code, String message, String detail) {
        byte[] json = bytes(code, message, detail);
        return new MirrorResponse(status)
                .header("Content-Type", "application/json; charset=utf-8")
                .header("Content-Length", String.valueOf(json.length))
                .header("Docker-Distribution-API-Version", "registry/2.0")
                .body(out -> out.write(json));
    }

    public static String json(String code, String message, String detail) {
        return new String(bytes(code, message, detail), StandardCharsets.UTF_8);
    }

    /** The body as UTF-8; a null detail is written as {@code "detail":null}. */
    static byte[] bytes(String code, String message, String detail) {
        ObjectNode body = JSON.createObjectNode();
        body.putArray("errors").addObject()
                .put("code", code)
                .put("message", message)
                .put("detail", detail);
        try {
            return JSON.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            // a tree of strings always serializes; this would be a bug in Jackson
            throw new IllegalStateException("cannot write a registry error body", e);
        }
    }
}
