package io.dfly.dfget;

/** The command line is wrong; the message is one line saying what and how to fix it. */
public final class UsageException extends Exception {
    public UsageException(String message) {
        super(message);
    }
}
