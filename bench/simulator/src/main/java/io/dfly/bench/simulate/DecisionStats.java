package io.dfly.bench.simulate;

import java.util.Arrays;

/** Durations of many calls (nanoseconds): count, mean, percentiles. */
public final class DecisionStats {
    private long[] samples = new long[1024];
    private int count;
    private long total;

    void add(long nanos) {
        if (count == samples.length) {
            samples = Arrays.copyOf(samples, count * 2);
        }
        samples[count++] = nanos;
        total += nanos;
    }

    public int count() { return count; }

    public double meanMicros() {
        return count == 0 ? 0 : total / 1000.0 / count;
    }

    public double totalSeconds() {
        return total / 1e9;
    }

    /** Nearest-rank percentile in microseconds (sorts a copy). */
    public double percentileMicros(double p) {
        if (count == 0) {
            return 0;
        }
        long[] sorted = Arrays.copyOf(samples, count);
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(p / 100.0 * count);
        return sorted[Math.max(0, Math.min(count - 1, rank - 1))] / 1000.0;
    }
}
