package io.dfly.engine;

/** One piece could not be fetched from one source; the message is the reason reported to the supernode. */
public final class PieceFetchException extends Exception {
    public PieceFetchException(String reason) {
        super(reason);
    }
}
