package io.dfly.spi;

/**
 * Space on the file system that holds the data dir.
 *
 * @param totalBytes size of the file system
 * @param usedBytes  bytes in use on it (by anything, not only dfly)
 */
public record DiskUsage(long totalBytes, long usedBytes) {
    /** Used fraction, 0.0 to 1.0. */
    public double usedRatio() {
        return totalBytes <= 0 ? 0.0 : (double) usedBytes / totalBytes;
    }
}
