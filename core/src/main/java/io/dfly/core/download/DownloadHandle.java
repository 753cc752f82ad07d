package io.dfly.core.download;

import java.io.InputStream;
import java.util.concurrent.CompletableFuture;

/** A running download. */
public interface DownloadHandle {
    String taskId();

    /** Content length in bytes, or -1 while unknown. */
    long contentLength();

    /**
     * The file's bytes in order, available as soon as the leading pieces are verified. If the
     * download fails, or the final digest does not match, reading throws {@link java.io.IOException}
     * instead of reaching a normal end of stream. Each call opens a new stream from byte 0.
     */
    InputStream openStream();

    /** Completes when every byte is on disk and verified; completes exceptionally on failure. */
    CompletableFuture<DownloadResult> completion();

    /** Progress so far. */
    DownloadProgress progress();

    /** Stops the download if nobody else needs it. */
    void cancel();
}
