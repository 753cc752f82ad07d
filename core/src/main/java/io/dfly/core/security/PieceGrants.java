package io.dfly.core.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Optional;

/**
 * The supernode's word that one downloader may fetch one piece of one task, until a time: every
 * assignment carries one, the downloader sends it to the source as {@code X-Dfly-Grant}, and a piece
 * server (a peer's upload port, or the supernode's CDN) sends no byte without a good one made for the
 * peer that asks (whose identity comes from its {@link HostTokens host token}).
 *
 * <p>Format: {@code g1.<taskId>.<piece>.<downloader base64url>.<expiry epoch seconds>.<hmac base64url>}.
 */
public final class PieceGrants {
    public static final String HEADER = "X-Dfly-Grant";
    /** How long an assignment's grant stays good. */
    public static final long TTL_SECONDS = 600;
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    private final byte[] key;

    PieceGrants(byte[] key) {
        this.key = key;
    }

    public String mint(String taskId, int piece, String downloaderPeerId) {
        return mint(taskId, piece, downloaderPeerId, System.currentTimeMillis() / 1000 + TTL_SECONDS);
    }

    String mint(String taskId, int piece, String downloaderPeerId, long expiresEpochSeconds) {
        String peer = B64.encodeToString(downloaderPeerId.getBytes(StandardCharsets.UTF_8));
        return "g1." + taskId + "." + piece + "." + peer + "." + expiresEpochSeconds + "."
                + sign(taskId, piece, peer, expiresEpochSeconds);
    }

    /**
     * Checks a grant for a request.
     *
     * @return empty when the grant is good for this task, piece and peer; else why not (for the 403 body)
     */
    public Optional<String> refusal(String grant, String taskId, int piece, String requesterPeerId) {
        return refusal(grant, taskId, piece, requesterPeerId, System.currentTimeMillis() / 1000);
    }

    Optional<String> refusal(String grant, String taskId, int piece, String requesterPeerId, long nowSeconds) {
        if (grant == null || grant.isBlank()) {
            return Optional.of("no piece grant (" + HEADER + "): pieces go only to peers the supernode assigned them to");
        }
        String[] p = grant.trim().split("\\.", -1);
        if (p.length != 6 || !p[0].equals("g1")) {
            return Optional.of("malformed piece grant");
        }
        long expires;
        int grantedPiece;
        try {
            expires = Long.parseLong(p[4]);
            grantedPiece = Integer.parseInt(p[2]);
        } catch (NumberFormatException e) {
            return Optional.of("malformed piece grant");
        }
        String want = sign(p[1], grantedPiece, p[3], expires);
        if (!MessageDigest.isEqual(want.getBytes(StandardCharsets.US_ASCII), p[5].getBytes(StandardCharsets.US_ASCII))) {
            return Optional.of("forged piece grant");
        }
        if (nowSeconds > expires) {
            return Optional.of("expired piece grant");
        }
        if (!p[1].equals(taskId) || grantedPiece != piece) {
            return Optional.of("the piece grant is for another piece");
        }
        String peer = B64.encodeToString(requesterPeerId.getBytes(StandardCharsets.UTF_8));
        if (!p[3].equals(peer)) {
            return Optional.of("the piece grant is for another peer");
        }
        return Optional.empty();
    }

    private String sign(String taskId, int piece, String peerB64, long expires) {
        String data = "dfly-piece-grant\n" + taskId + "\n" + piece + "\n" + peerB64 + "\n" + expires;
        return B64.encodeToString(ClusterSecret.hmac(key, data.getBytes(StandardCharsets.UTF_8)));
    }
}
