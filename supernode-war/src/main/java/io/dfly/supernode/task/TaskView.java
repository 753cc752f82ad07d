package io.dfly.supernode.task;

import java.io.Serializable;
import java.util.List;

/**
 * One task as {@code GET /api/v1/tasks} shows it.
 *
 * @param taskId          task id
 * @param url             origin URL as {@link io.dfly.core.security.SafeUrls#display} shows it: scheme, host,
 *                        port and path, never a query string or user info
 * @param status          WAITING / RUNNING / SUCCESS / FAILED
 * @param contentLength   length, or -1 while unknown
 * @param pieceSize       piece size
 * @param pieceCount      number of pieces, or -1 while unknown
 * @param seededPieces    pieces already on a supernode (shareable)
 * @param peers           peers in the swarm (not counting supernodes and peers that left)
 * @param completedPeers  peers holding every piece
 * @param seeds           supernode members holding a CDN copy
 * @param fileDigest      whole-file digest when known
 * @param reason          why it failed
 * @param active          whether a download may be running
 * @param lastAccessMillis last time it was registered, pulled or reported on
 */
public record TaskView(String taskId, String url, String status, long contentLength, int pieceSize, int pieceCount,
                       int seededPieces, int peers, int completedPeers, List<String> seeds, String fileDigest,
                       String reason, boolean active, long lastAccessMillis) implements Serializable {
}
