package io.dfly.engine;

import java.util.function.LongSupplier;

/**
 * A bytes-per-second limit shared by every transfer that holds a reference to it (all downloads of a
 * host share one bucket, all uploads another). Callers take tokens before moving bytes; when the
 * bucket runs dry the caller sleeps until the debt is paid back. A rate of 0 means unlimited.
 */
public final class TokenBucket {
    /** Sleeps for a number of nanoseconds (replaceable in tests). */
    public interface Sleeper {
        void sleepNanos(long nanos) throws InterruptedException;
    }

    private final long bytesPerSecond;
    private final long burst;
    private final LongSupplier clock;
    private final Sleeper sleeper;
    private double tokens;
    private long lastRefill;

    public TokenBucket(long bytesPerSecond) {
        this(bytesPerSecond, System::nanoTime, nanos -> Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000)));
    }

    public TokenBucket(long bytesPerSecond, LongSupplier nanoClock, Sleeper sleeper) {
        if (bytesPerSecond < 0) {
            throw new IllegalArgumentException("rate must be >= 0 (0 = unlimited)");
        }
        this.bytesPerSecond = bytesPerSecond;
        // allow a short burst (1/10 s, at least 64 KiB) so small reads are not paced one by one
        this.burst = Math.max(64 * 1024, bytesPerSecond / 10);
        this.clock = nanoClock;
        this.sleeper = sleeper;
        this.tokens = burst;
        this.lastRefill = nanoClock.getAsLong();
    }

    public static TokenBucket unlimited() {
        return new TokenBucket(0);
    }

    public boolean isUnlimited() {
        return bytesPerSecond == 0;
    }

    public long bytesPerSecond() {
        return bytesPerSecond;
    }

    /** Takes {@code n} bytes' worth of tokens, sleeping as long as needed to respect the rate. */
    public void acquire(long n) throws InterruptedException {
        if (bytesPerSecond == 0 || n <= 0) {
            return;
        }
        long waitNanos;
        synchronized (this) {
            long now = clock.getAsLong();
            tokens = Math.min(burst, tokens + (now - lastRefill) * (double) bytesPerSecond / 1e9);
            lastRefill = now;
            tokens -= n;
            if (tokens >= 0) {
                return;
            }
            waitNanos = (long) (-tokens * 1e9 / bytesPerSecond);
        }
        sleeper.sleepNanos(waitNanos);
    }
}
