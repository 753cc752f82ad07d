package io.dfly.core.download;

/**
 * Downloads a file through the P2P network (or its fallback). Implemented by the engine; used by the
 * registry mirror, dfdaemon's download API and dfget.
 */
public interface Downloader {
    /**
     * Starts (or joins) a download and returns at once with a handle whose stream yields bytes in
     * order as the leading pieces complete.
     *
     * @throws DownloadException when the download cannot even start (bad URL, no source at all)
     */
    DownloadHandle start(DownloadRequest request) throws DownloadException;
}
