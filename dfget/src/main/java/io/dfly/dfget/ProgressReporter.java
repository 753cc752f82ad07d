package io.dfly.dfget;

import io.dfly.core.download.DownloadProgress;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;

/** Shows progress: a line redrawn in place on a terminal, or a single summary line at the end otherwise. */
final class ProgressReporter {
    private final PrintStream out;
    private final boolean terminal;
    private final long startNanos = System.nanoTime();
    private long lastDraw;
    private long sampleNanos = System.nanoTime();
    private long sampleBytes;
    private double speed;
    private int lastWidth;

    ProgressReporter(PrintStream out, boolean terminal) {
        this.out = out;
        this.terminal = terminal;
    }

    void update(DownloadProgress p) {
        long now = System.nanoTime();
        double secs = (now - sampleNanos) / 1e9;
        if (secs >= 0.5) {
            double instant = (p.completedBytes() - sampleBytes) / secs;
            speed = speed == 0 ? instant : 0.6 * instant + 0.4 * speed;
            sampleNanos = now;
            sampleBytes = p.completedBytes();
        }
        if (terminal && now - lastDraw >= 200_000_000L) {
            lastDraw = now;
            draw(p, speed);
        }
    }

    private void draw(DownloadProgress p, double bytesPerSecond) {
        String line = ProgressLine.format(p, bytesPerSecond);
        int pad = Math.max(0, lastWidth - line.length());
        out.print("\r" + line + " ".repeat(pad));
        out.flush();
        lastWidth = line.length();
    }

    void finish(Path output, DownloadProgress p) {
        Duration elapsed = Duration.ofNanos(System.nanoTime() - startNanos);
        if (terminal) {
            double avg = p.completedBytes() / Math.max(0.001, elapsed.toMillis() / 1000.0);
            draw(p, avg);
            out.println();
        }
        out.println(ProgressLine.summary(output, p, elapsed));
        out.flush();
    }

    /** Ends a half-drawn progress line before an error message. */
    void abort() {
        if (terminal && lastWidth > 0) {
            out.println();
            out.flush();
        }
    }
}
