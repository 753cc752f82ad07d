package io.dfly.core.protocol;

import java.util.Map;

/**
 * A peer joins the swarm of one file. {@code POST /api/v1/tasks}.
 *
 * @param url        origin URL of the file
 * @param headers    headers the supernode must send to the origin for its own back-to-source
 *                   request (e.g. Authorization); kept in memory only, never logged or stored
 * @param digest     expected whole-file digest {@code sha256:<hex>}, if known (registry blobs)
 * @param identifier caller-chosen identity of the content, if any (dfget --identifier)
 * @param peerId     the peer's id (unique per dfdaemon or in-process engine)
 * @param peerUrl    base URL of the peer's upload server, e.g. {@code http://10.0.0.7:65001}
 * @param maxPieces  pieces the peer fetches at once: above 0, the answer carries the peer's first pull
 *                   ({@link RegisterResponse#firstPull}, at most that many assignments); 0 (or absent): none
 */
public record RegisterRequest(String url, Map<String, String> headers, String digest, String identifier,
                              String peerId, String peerUrl, int maxPieces) {
    /** A registration that asks for no first pull. */
    public RegisterRequest(String url, Map<String, String> headers, String digest, String identifier, String peerId,
                           String peerUrl) {
        this(url, headers, digest, identifier, peerId, peerUrl, 0);
    }

    /** The same registration without a first pull (a peer registering again mid-download, at another supernode). */
    public RegisterRequest withoutFirstPull() {
        return new RegisterRequest(url, headers, digest, identifier, peerId, peerUrl, 0);
    }
}
