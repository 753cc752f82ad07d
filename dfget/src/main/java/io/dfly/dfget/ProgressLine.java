package io.dfly.dfget;

import io.dfly.core.config.ByteSize;
import io.dfly.core.download.DownloadProgress;

import java.nio.file.Path;
import java.time.Duration;

/** Text of dfget's progress bar (terminal) and of its one-line summary (no terminal). */
public final class ProgressLine {
    static final int BAR_WIDTH = 24;

    private ProgressLine() {
    }

    /**
     * The in-place progress line, e.g.
     * {@code [##########--------------]  42%  84.0 MiB / 200.0 MiB  35.2 MiB/s  ETA 0:03  peers 80% supernode 20% origin 0%}.
     *
     * @param bytesPerSecond recent speed
     */
    public static String format(DownloadProgress p, double bytesPerSecond) {
        StringBuilder sb = new StringBuilder();
        long done = p.completedBytes();
        long total = p.totalBytes();
        if (total > 0) {
            double ratio = Math.min(1.0, (double) done / total);
            int filled = (int) Math.round(ratio * BAR_WIDTH);
            sb.append('[').append("#".repeat(filled)).append("-".repeat(BAR_WIDTH - filled)).append(']');
            sb.append(' ').append(leftPad(String.valueOf((int) Math.floor(ratio * 100)), 3)).append('%');
            sb.append("  ").append(ByteSize.format(done)).append(" / ").append(ByteSize.format(total));
        } else if (total == 0) {
            sb.append('[').append("#".repeat(BAR_WIDTH)).append("] 100%  0 B / 0 B");
        } else {
            sb.append('[').append("?".repeat(BAR_WIDTH)).append("]   ?%  ").append(ByteSize.format(done));
        }
        sb.append("  ").append(rate(bytesPerSecond));
        if (total > 0 && bytesPerSecond > 0 && done < total) {
            sb.append("  ETA ").append(clock(Duration.ofSeconds((long) Math.ceil((total - done) / bytesPerSecond))));
        } else if (total > 0 && done >= total) {
            sb.append("  ETA 0:00");
        } else {
            sb.append("  ETA -:--");
        }
        sb.append("  ").append(sources(p));
        return sb.toString();
    }

    /** The line printed once at the end when stdout is not a terminal. */
    public static String summary(Path output, DownloadProgress p, Duration elapsed) {
        double secs = Math.max(0.001, elapsed.toMillis() / 1000.0);
        // no String.format here: its first call costs dfget tens of milliseconds (bench/README.md, "Small files")
        return "dfget: downloaded " + output + " (" + ByteSize.format(p.completedBytes()) + ") in " + ByteSize.oneDecimal(secs)
                + "s, " + rate(p.completedBytes() / secs) + " — peers " + ByteSize.format(p.fromPeers()) + ", supernode "
                + ByteSize.format(p.fromSupernode()) + ", origin " + ByteSize.format(p.fromOrigin());
    }

    static String rate(double bytesPerSecond) {
        return ByteSize.format((long) bytesPerSecond) + "/s";
    }

    /** {@code m:ss}, or {@code h:mm:ss} from one hour. */
    static String clock(Duration d) {
        long s = d.getSeconds();
        if (s >= 3600) {
            return s / 3600 + ":" + twoDigits((s / 60) % 60) + ":" + twoDigits(s % 60);
        }
        return s / 60 + ":" + twoDigits(s % 60);
    }

    private static String twoDigits(long n) {
        return n < 10 ? "0" + n : String.valueOf(n);
    }

    private static String leftPad(String s, int width) {
        return s.length() >= width ? s : " ".repeat(width - s.length()) + s;
    }

    /** Share of the bytes so far from peers, the supernode and the origin, e.g. {@code peers 80% supernode 20% origin 0%}. */
    static String sources(DownloadProgress p) {
        long sum = p.fromPeers() + p.fromSupernode() + p.fromOrigin();
        if (sum == 0) {
            return "peers 0% supernode 0% origin 0%";
        }
        long peers = Math.round(100.0 * p.fromPeers() / sum);
        long origin = Math.round(100.0 * p.fromOrigin() / sum);
        long supernode = Math.max(0, 100 - peers - origin);
        return "peers " + peers + "% supernode " + supernode + "% origin " + origin + "%";
    }
}
