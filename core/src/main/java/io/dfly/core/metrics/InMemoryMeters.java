package io.dfly.core.metrics;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * {@link Meters} in memory: the same name and tags give the same counter or timer; gauges are read on
 * demand. For unit tests and for engines that export nothing (dfget alone).
 */
public final class InMemoryMeters implements Meters {
    private final Map<List<String>, Counter> counters = new ConcurrentHashMap<>();
    private final Map<List<String>, Timer> timers = new ConcurrentHashMap<>();
    private final Map<List<String>, LongSupplier> gauges = new ConcurrentHashMap<>();

    @Override
    public Counter counter(String name, String help, String... tags) {
        return counters.computeIfAbsent(key(name, tags), k -> new AdderCounter());
    }

    @Override
    public Timer timer(String name, String help, String... tags) {
        return timers.computeIfAbsent(key(name, tags), k -> new AdderTimer());
    }

    @Override
    public void gauge(String name, String help, LongSupplier value, String... tags) {
        gauges.put(key(name, tags), value);
    }

    /** The gauge's value now, or -1 when there is no such gauge. */
    public long gaugeValue(String name, String... tags) {
        LongSupplier g = gauges.get(key(name, tags));
        return g == null ? -1 : g.getAsLong();
    }

    /** Total nanoseconds recorded by the timer (0 when it does not exist). */
    public long totalNanos(String name, String... tags) {
        Timer t = timers.get(key(name, tags));
        return t == null ? 0 : ((AdderTimer) t).nanos.sum();
    }

    private static List<String> key(String name, String... tags) {
        if (tags.length % 2 != 0) {
            throw new IllegalArgumentException("tags are key, value pairs: " + Arrays.toString(tags));
        }
        String[] k = new String[tags.length + 1];
        k[0] = name;
        System.arraycopy(tags, 0, k, 1, tags.length);
        return List.of(k);
    }

    private static final class AdderCounter implements Counter {
        private final LongAdder sum = new LongAdder();

        @Override
        public void add(long n) {
            sum.add(n);
        }

        @Override
        public long count() {
            return sum.sum();
        }
    }

    private static final class AdderTimer implements Timer {
        private final LongAdder count = new LongAdder();
        private final LongAdder nanos = new LongAdder();

        @Override
        public void record(Duration d) {
            count.increment();
            nanos.add(d.toNanos());
        }

        @Override
        public long count() {
            return count.sum();
        }
    }
}
