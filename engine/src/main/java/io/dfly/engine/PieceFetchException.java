package io.dfly.engine;

import java.util.Locale;

/** One piece could not be fetched from one source; the message is the reason reported to the supernode. */
public final class PieceFetchException extends Exception {
    /** Why, in the few words a metric's {@code cause} tag holds. */
    public enum Cause {
        /** The source answered something other than 200. */
        REFUSED,
        /** The source sent fewer or more bytes than the piece has. */
        LENGTH,
        /** The bytes did not match the piece's digest. */
        DIGEST,
        /** The source missed the piece's deadline, or fell behind its pace. */
        DEADLINE,
        /** The connection failed or broke off. */
        CONNECTION;

        public String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Cause cause;

    public PieceFetchException(Cause cause, String reason) {
        super(reason);
        this.cause = cause;
    }

    public Cause cause() {
        return cause;
    }
}
