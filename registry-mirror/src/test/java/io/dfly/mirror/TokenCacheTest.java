package io.dfly.mirror;

import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TokenCacheTest {
    static final class MutableClock extends Clock {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @Test
    void keepsTokensUntilShortlyBeforeExpiry() {
        MutableClock clock = new MutableClock();
        TokenCache cache = new TokenCache(clock);
        cache.put("k", "t1", Duration.ofSeconds(60));
        assertEquals("t1", cache.get("k").orElseThrow());
        clock.now = clock.now.plusSeconds(49);
        assertEquals("t1", cache.get("k").orElseThrow());
        clock.now = clock.now.plusSeconds(1); // 50 s = 60 s - margin
        assertTrue(cache.get("k").isEmpty());
        assertEquals(0, cache.size());
    }

    @Test
    void ignoresTokensTooShortToUseAndInvalidates() {
        TokenCache cache = new TokenCache(new MutableClock());
        cache.put("short", "t", Duration.ofSeconds(5));
        assertTrue(cache.get("short").isEmpty());
        cache.put("k", "t", Duration.ofMinutes(5));
        cache.invalidate("k");
        assertTrue(cache.get("k").isEmpty());
    }
}
