package io.dfly.core.metrics;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class InMemoryMetersTest {
    @Test
    void sameNameAndTagsGiveTheSameCounterOtherTagsAnother() {
        InMemoryMeters m = new InMemoryMeters();
        Counter a = m.counter("x_bytes", "help", "source", "peer");
        a.add(5);
        a.increment();
        assertSame(a, m.counter("x_bytes", "other help", "source", "peer"));
        assertEquals(6, m.counter("x_bytes", "help", "source", "peer").count());
        assertEquals(0, m.counter("x_bytes", "help", "source", "origin").count());
    }

    @Test
    void timersCountAndSum() {
        InMemoryMeters m = new InMemoryMeters();
        Timer t = m.timer("t", "help");
        t.record(Duration.ofMillis(3));
        t.recordSince(System.nanoTime());
        assertEquals(2, t.count());
        assertEquals(true, m.totalNanos("t") >= 3_000_000);
    }

    @Test
    void gaugesAreReadWhenAsked() {
        InMemoryMeters m = new InMemoryMeters();
        AtomicLong v = new AtomicLong(1);
        m.gauge("g", "help", v::get, "state", "running");
        v.set(7);
        assertEquals(7, m.gaugeValue("g", "state", "running"));
        assertEquals(-1, m.gaugeValue("g"));
    }

    @Test
    void oddTagsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> Meters.inMemory().counter("c", "help", "lonely"));
    }
}
