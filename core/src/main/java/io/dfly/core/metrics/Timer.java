package io.dfly.core.metrics;

import java.time.Duration;

/** Durations of one kind of operation (a download, a piece fetch); exported as a histogram of seconds. */
public interface Timer {
    void record(Duration d);

    /** Records the time since {@code startNanos}, a {@link System#nanoTime()} reading. */
    default void recordSince(long startNanos) {
        record(Duration.ofNanos(Math.max(0, System.nanoTime() - startNanos)));
    }

    /** Durations recorded so far. */
    long count();
}
