package io.dfly.microprofile;

import io.dfly.core.metrics.Counter;
import io.dfly.core.metrics.Meters;
import io.dfly.core.metrics.Timer;
import org.eclipse.microprofile.metrics.Metadata;
import org.eclipse.microprofile.metrics.MetricID;
import org.eclipse.microprofile.metrics.MetricRegistry;
import org.eclipse.microprofile.metrics.Tag;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * {@link Meters} on a MicroProfile Metrics registry (the application scope of the WAR), so that Payara
 * exports what the domain code counts at {@code /metrics} in Prometheus format, next to the JVM's own
 * metrics (GC, heap, threads). A counter {@code n} appears as {@code n_total}, a timer {@code n} as the
 * summary {@code n_seconds} ({@code _count}, {@code _sum}, quantiles) and {@code n_seconds_max}.
 */
public final class MicroProfileMeters implements Meters {
    private final MetricRegistry registry;

    public MicroProfileMeters(MetricRegistry registry) {
        this.registry = registry;
    }

    @Override
    public Counter counter(String name, String help, String... tags) {
        org.eclipse.microprofile.metrics.Counter c = registry.counter(metadata(name, help, "none"), tags(tags));
        return new Counter() {
            @Override
            public void add(long n) {
                c.inc(n);
            }

            @Override
            public long count() {
                return c.getCount();
            }
        };
    }

    @Override
    public Timer timer(String name, String help, String... tags) {
        org.eclipse.microprofile.metrics.Timer t = registry.timer(metadata(name, help, "seconds"), tags(tags));
        return new Timer() {
            @Override
            public void record(Duration d) {
                t.update(d);
            }

            @Override
            public long count() {
                return t.getCount();
            }
        };
    }

    @Override
    public void gauge(String name, String help, LongSupplier value, String... tags) {
        Tag[] t = tags(tags);
        registry.remove(new MetricID(name, t)); // a gauge made again (a restarted runtime) reads the new source
        registry.gauge(metadata(name, help, "none"), value::getAsLong, t);
    }

    private static Metadata metadata(String name, String help, String unit) {
        return Metadata.builder().withName(name).withDescription(help).withUnit(unit).build();
    }

    static Tag[] tags(String... kv) {
        if (kv.length % 2 != 0) {
            throw new IllegalArgumentException("tags are key, value pairs");
        }
        Tag[] t = new Tag[kv.length / 2];
        for (int i = 0; i < t.length; i++) {
            t[i] = new Tag(kv[2 * i], kv[2 * i + 1]);
        }
        return t;
    }
}
