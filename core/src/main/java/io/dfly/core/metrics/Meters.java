package io.dfly.core.metrics;

import java.util.function.LongSupplier;

/**
 * Where the domain code gets its counters, timers and gauges, so that it stays free of any container: the
 * WARs pass one backed by MicroProfile Metrics (exported at {@code /metrics}), tests and dfget use
 * {@link #inMemory()}. A name is the Prometheus name without {@code _total} or unit; {@code tags} are
 * key, value pairs from a small fixed set (never a URL, a peer or a task id).
 */
public interface Meters {
    Counter counter(String name, String help, String... tags);

    Timer timer(String name, String help, String... tags);

    /** A value read when the metrics are scraped (tasks, peers); {@code value} must be cheap and never block long. */
    void gauge(String name, String help, LongSupplier value, String... tags);

    /** Meters kept in memory only (nothing exported). */
    static Meters inMemory() {
        return new InMemoryMeters();
    }
}
