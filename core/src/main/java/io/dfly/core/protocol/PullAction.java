package io.dfly.core.protocol;

public enum PullAction {
    /** Download the listed pieces. */
    ASSIGNED,
    /** Nothing to do right now (no source has a missing piece yet); ask again after waitMillis. */
    WAIT,
    /** The peer holds every piece: the download is complete. */
    DONE,
    /** The task failed (origin error, digest mismatch); the peer should fall back or give up. */
    FAILED
}
