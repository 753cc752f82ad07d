package io.dfly.dfget;

import io.dfly.core.download.DownloadProgress;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ProgressLineTest {
    private static final long MIB = 1 << 20;

    @Test
    void showsBarPercentBytesSpeedEtaAndSources() {
        DownloadProgress p = new DownloadProgress(50 * MIB, 200 * MIB, 40 * MIB, 10 * MIB, 0);
        assertEquals("[######------------------]  25%  50.0 MiB / 200.0 MiB  10.0 MiB/s  ETA 0:15  peers 80% supernode 20% origin 0%",
                ProgressLine.format(p, 10 * MIB));
    }

    @Test
    void completeDownload() {
        DownloadProgress p = new DownloadProgress(200 * MIB, 200 * MIB, 0, 0, 200 * MIB);
        assertEquals("[########################] 100%  200.0 MiB / 200.0 MiB  40.0 MiB/s  ETA 0:00  peers 0% supernode 0% origin 100%",
                ProgressLine.format(p, 40 * MIB));
    }

    @Test
    void unknownLengthAndNoSpeedYet() {
        DownloadProgress p = new DownloadProgress(0, -1, 0, 0, 0);
        assertEquals("[????????????????????????]   ?%  0 B  0 B/s  ETA -:--  peers 0% supernode 0% origin 0%",
                ProgressLine.format(p, 0));
    }

    @Test
    void longEtaUsesHours() {
        DownloadProgress p = new DownloadProgress(MIB, 10_000 * MIB, MIB, 0, 0);
        assertEquals("2:46:39", ProgressLine.clock(Duration.ofSeconds(9999)));
        assertEquals("ETA 2:46:39", ProgressLine.format(p, MIB).split("  ")[4]);
    }

    @Test
    void summaryLineForNonTerminals() {
        DownloadProgress p = new DownloadProgress(100 * MIB, 100 * MIB, 60 * MIB, 40 * MIB, 0);
        assertEquals("dfget: downloaded /data/f.bin (100.0 MiB) in 2.0s, 50.0 MiB/s — peers 60.0 MiB, supernode 40.0 MiB, origin 0 B",
                ProgressLine.summary(Path.of("/data/f.bin"), p, Duration.ofSeconds(2)));
    }
}
