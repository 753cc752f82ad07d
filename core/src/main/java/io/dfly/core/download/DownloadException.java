package io.dfly.core.download;

/**
 * A download failed. {@link #kind()} tells callers how to answer (a registry mirror maps
 * {@code ORIGIN_NOT_FOUND} to 404, {@code ORIGIN_DENIED} to 401/403, and so on).
 */
public class DownloadException extends Exception {
    public enum Kind { BAD_REQUEST, ORIGIN_NOT_FOUND, ORIGIN_DENIED, ORIGIN_ERROR, DIGEST_MISMATCH, NO_SOURCE, TIMEOUT, INTERNAL }

    private final Kind kind;

    public DownloadException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public DownloadException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
