package io.dfly.core.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;

/**
 * Proof that a request comes from an enrolled host: {@code Authorization: Dfly-Host <token>}, where the
 * token names the peer and is an HMAC (key from the cluster secret) over the peer id, the time it was made,
 * a nonce, and the request's method and path. A token is good for {@link #MAX_AGE_SECONDS} and for that one
 * method and path only, so one seen on the wire cannot be used for another request.
 *
 * <p>Format: {@code v1.<peerId base64url>.<epoch seconds>.<nonce>.<hmac base64url>}.
 */
public final class HostTokens {
    public static final String SCHEME = "Dfly-Host";
    public static final String HEADER = "Authorization";
    /** How far a token's time may lie from the verifier's clock, either way. */
    public static final long MAX_AGE_SECONDS = 300;
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getUrlDecoder();
    private static final SecureRandom RANDOM = new SecureRandom();

    private final byte[] key;

    HostTokens(byte[] key) {
        this.key = key;
    }

    /** The {@code Authorization} header value for one request. */
    public String authorization(String peerId, String method, String rawPath) {
        return SCHEME + " " + mint(peerId, method, rawPath, System.currentTimeMillis() / 1000);
    }

    String mint(String peerId, String method, String rawPath, long epochSeconds) {
        byte[] n = new byte[9];
        RANDOM.nextBytes(n);
        String nonce = B64.encodeToString(n);
        String peer = B64.encodeToString(peerId.getBytes(StandardCharsets.UTF_8));
        return "v1." + peer + "." + epochSeconds + "." + nonce + "." + sign(peer, epochSeconds, nonce, method, rawPath);
    }

    /**
     * Checks an {@code Authorization} header for the request it came with.
     *
     * @return the peer id the token was made for, or empty when the header is missing, malformed, forged,
     *         too old or made for another request
     */
    public Optional<String> verify(String authorizationHeader, String method, String rawPath) {
        return verify(authorizationHeader, method, rawPath, System.currentTimeMillis() / 1000);
    }

    Optional<String> verify(String header, String method, String rawPath, long nowSeconds) {
        if (header == null || !header.regionMatches(true, 0, SCHEME + " ", 0, SCHEME.length() + 1)) {
            return Optional.empty();
        }
        String[] p = header.substring(SCHEME.length() + 1).trim().split("\\.", -1);
        if (p.length != 5 || !p[0].equals("v1")) {
            return Optional.empty();
        }
        long issued;
        try {
            issued = Long.parseLong(p[2]);
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        if (Math.abs(nowSeconds - issued) > MAX_AGE_SECONDS) {
            return Optional.empty();
        }
        String want = sign(p[1], issued, p[3], method, rawPath);
        if (!MessageDigest.isEqual(want.getBytes(StandardCharsets.US_ASCII), p[4].getBytes(StandardCharsets.US_ASCII))) {
            return Optional.empty();
        }
        try {
            return Optional.of(new String(B64D.decode(p[1]), StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private String sign(String peerB64, long issued, String nonce, String method, String rawPath) {
        String data = "dfly-host-token\n" + peerB64 + "\n" + issued + "\n" + nonce + "\n" + method.toUpperCase(java.util.Locale.ROOT)
                + "\n" + rawPath;
        return B64.encodeToString(ClusterSecret.hmac(key, data.getBytes(StandardCharsets.UTF_8)));
    }
}
