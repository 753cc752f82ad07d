package io.dfly.core.metrics;

/** A count that only goes up (bytes, pieces, requests). Made by {@link Meters}. */
public interface Counter {
    void add(long n);

    default void increment() {
        add(1);
    }

    /** The count so far. */
    long count();
}
