package io.dfly.spi;

import java.util.Objects;

/** A username and secret for an upstream registry. {@link #toString()} never shows the secret. */
public final class Credentials {
    private final String username;
    private final String secret;

    public Credentials(String username, String secret) {
        this.username = Objects.requireNonNull(username, "username");
        this.secret = Objects.requireNonNull(secret, "secret");
    }

    public String username() {
        return username;
    }

    public String secret() {
        return secret;
    }

    /** The {@code Basic} authorization header value for these credentials. */
    public String basicAuthorization() {
        return "Basic " + java.util.Base64.getEncoder().encodeToString(
                (username + ":" + secret).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Credentials c && c.username.equals(username) && c.secret.equals(secret);
    }

    @Override
    public int hashCode() {
        return Objects.hash(username, secret);
    }

    @Override
    public String toString() {
        return "Credentials[" + username + ", ****]";
    }
}
