package io.dfly.core.security;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.function.Consumer;

/**
 * The supernode's operator token: it guards every API that lists or changes state (preheat, task
 * listings). Accepted as {@code Authorization: Bearer <token>} or as HTTP Basic with any user name and the
 * token as the password, so a browser's prompt and Harbor's instance auth both work.
 */
public final class OperatorToken {
    public static final String PROPERTY = "dfly.supernode.api-token-file";
    public static final String DEFAULT_FILE = "~/.dfly/api.token";

    private final byte[] token;

    private OperatorToken(String token) {
        this.token = token.getBytes(StandardCharsets.UTF_8);
    }

    public static OperatorToken of(String token) {
        if (token == null || token.trim().length() < SecretFiles.MIN_LENGTH) {
            throw new IllegalArgumentException("an operator token has at least " + SecretFiles.MIN_LENGTH + " characters");
        }
        return new OperatorToken(token.trim());
    }

    /** Like {@link ClusterSecret#loadOrCreate}: the default file is created on first start, a named one must exist. */
    public static OperatorToken loadOrCreate(Path file, boolean isDefault, Consumer<String> log) {
        if (isDefault && SecretFiles.createIfMissing(file)) {
            log.accept("created the operator API token " + file + " (mode 0600): send it as 'Authorization: Bearer <token>'"
                    + " (or as the Basic password, any user) to /preheats and /api/v1/tasks");
        }
        return new OperatorToken(SecretFiles.read(file, "operator API token", PROPERTY,
                "create one (e.g. openssl rand -hex 32 > " + file + "; chmod 600 " + file + ") or point " + PROPERTY + " at it"));
    }

    /** Whether an {@code Authorization} header carries this token (Bearer, or Basic with any user). */
    public boolean accepts(String authorization) {
        if (authorization == null) {
            return false;
        }
        String h = authorization.trim();
        String presented = null;
        if (h.regionMatches(true, 0, "Bearer ", 0, 7)) {
            presented = h.substring(7).trim();
        } else if (h.regionMatches(true, 0, "Basic ", 0, 6)) {
            try {
                String pair = new String(Base64.getDecoder().decode(h.substring(6).trim()), StandardCharsets.UTF_8);
                int colon = pair.indexOf(':');
                presented = colon < 0 ? null : pair.substring(colon + 1);
            } catch (IllegalArgumentException e) {
                return false;
            }
        }
        return presented != null && MessageDigest.isEqual(token, presented.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
        return "OperatorToken[hidden]";
    }
}
