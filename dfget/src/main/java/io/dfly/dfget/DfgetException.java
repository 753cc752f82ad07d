package io.dfly.dfget;

/** The download failed; the message is the one line dfget prints. */
public final class DfgetException extends Exception {
    public DfgetException(String message) {
        super(message);
    }
}
