package io.dfly.core.download;

import java.nio.file.Path;

/**
 * @param taskId   task id
 * @param file     the complete, verified file in the local cache
 * @param length   its length
 * @param digest   its sha256 digest
 * @param progress final byte accounting
 * @param fellBack whether the origin had to be used directly (P2P failed)
 */
public record DownloadResult(String taskId, Path file, long length, String digest, DownloadProgress progress,
                             boolean fellBack) {
}
