package io.dfly.mirror;

import java.nio.charset.StandardCharsets;

/** Error answers in the distribution spec's format {@code {"errors":[{"code","message","detail"}]}}. */
public final class RegistryErrors {
    private RegistryErrors() {
    }

    public static MirrorResponse error(int status, String code, String message, String detail) {
        byte[] json = json(code, message, detail).getBytes(StandardCharsets.UTF_8);
        return new MirrorResponse(status)
                .header("Content-Type", "application/json; charset=utf-8")
                .header("Content-Length", String.valueOf(json.length))
                .header("Docker-Distribution-API-Version", "registry/2.0")
                .body(out -> out.write(json));
    }

    public static String json(String code, String message, String detail) {
        return "{\"errors\":[{\"code\":\"" + escape(code) + "\",\"message\":\"" + escape(message)
                + "\",\"detail\":" + (detail == null ? "null" : "\"" + escape(detail) + "\"") + "}]}";
    }

    static String escape(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.toString();
    }
}
