package io.dfly.core.download;

/**
 * @param completedBytes bytes verified so far
 * @param totalBytes     content length, or -1 while unknown
 * @param fromPeers      bytes that came from other peers
 * @param fromSupernode  bytes that came from a supernode
 * @param fromOrigin     bytes fetched straight from the origin (back-to-source fallback)
 */
public record DownloadProgress(long completedBytes, long totalBytes, long fromPeers, long fromSupernode,
                               long fromOrigin) {
}
