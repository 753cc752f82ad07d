package io.dfly.core.protocol;

/** Lifecycle of a task on the supernode. */
public enum TaskStatus {
    /** Registered; back-to-source not started yet. */
    WAITING,
    /** The supernode is fetching from the origin; pieces appear as they land. */
    RUNNING,
    /** Every piece is on the supernode (and verified against the file digest when known). */
    SUCCESS,
    /** Back-to-source failed; see the reason. */
    FAILED
}
