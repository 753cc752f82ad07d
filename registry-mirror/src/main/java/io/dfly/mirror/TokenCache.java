package io.dfly.mirror;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Bearer tokens dfdaemon obtained itself (configured credentials), in memory only, until shortly before
 * they expire. Keys identify realm, service, scope and the credentials' identity (never the secret).
 */
public final class TokenCache {
    /** Tokens are dropped this long before their stated expiry, so a request never carries a stale one. */
    public static final Duration MARGIN = Duration.ofSeconds(10);
    private static final int MAX_ENTRIES = 10_000;

    private record Entry(String token, Instant expires) {
    }

    private final Clock clock;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();

    public TokenCache(Clock clock) {
        this.clock = clock;
    }

    public TokenCache() {
        this(Clock.systemUTC());
    }

    public Optional<String> get(String key) {
        Entry e = entries.get(key);
        if (e == null) {
            return Optional.empty();
        }
        if (!clock.instant().isBefore(e.expires)) {
            entries.remove(key, e);
            return Optional.empty();
        }
        return Optional.of(e.token);
    }

    /** Stores a token valid for {@code lifetime} from now (minus {@link #MARGIN}). */
    public void put(String key, String token, Duration lifetime) {
        Duration usable = lifetime.minus(MARGIN);
        if (usable.isNegative() || usable.isZero()) {
            return;
        }
        if (entries.size() >= MAX_ENTRIES) {
            Instant now = clock.instant();
            entries.values().removeIf(e -> !now.isBefore(e.expires));
            if (entries.size() >= MAX_ENTRIES) {
                entries.clear();
            }
        }
        entries.put(key, new Entry(token, clock.instant().plus(usable)));
    }

    public void invalidate(String key) {
        entries.remove(key);
    }

    public int size() {
        return entries.size();
    }
}
