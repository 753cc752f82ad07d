package io.dfly.bench.simulate;

import java.util.List;
import java.util.Locale;

/** Renders runs as Markdown tables (completion against T*, then supernode load, then the microbenchmark). */
final class ResultTable {
    private ResultTable() {
    }

    static String completion(List<SimulationResult> runs) {
        StringBuilder b = new StringBuilder();
        b.append("| file | N | pieces | T* (s) | p50 (s) | p99 (s) | max (s) | T*/T p50 | T*/T p99 | T*/T max "
                + "| p50 ×T* | p99 ×T* | seed bytes / S | seed pieces: first / duplicate | peers hold every piece at (s) | max seed uploads | pieces in flight per peer | MB/s per transfer |\n");
        b.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (SimulationResult r : runs) {
            double t = r.lowerBound();
            double p50 = r.percentile(50);
            double p99 = r.percentile(99);
            double max = r.max();
            b.append(f("| %s | %,d | %d × %d MiB | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %,d / %,d | %.2f | %d | %.2f | %.1f |\n",
                    size(r.config().fileBytes()), r.config().peers(), r.pieceCount(), r.pieceSize() >> 20, t, p50, p99,
                    max, t / p50, t / p99, t / max, p50 / t, p99 / t, r.seedCopies(), r.seedPiecesUnique(),
                    r.seedPiecesDuplicate(), r.fullCopyAt(), r.maxSeedUploads(), r.meanDownloadsInFlight(),
                    r.meanTransferMBps()));
        }
        return b.toString();
    }

    static String load(List<SimulationResult> runs) {
        StringBuilder b = new StringBuilder();
        b.append("| file | N | schedule() calls | of which held re-runs | calls / (N·pieces) | found nothing | WAIT answers | CPU µs/decision | CPU µs/empty | wall µs mean | wall p50 | wall p99 "
                + "| CPU µs/pull | needed avg /s | needed peak /s | one core /s (1/CPU µs) | peak / core | sim wall (s) |\n");
        b.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (SimulationResult r : runs) {
            double mean = r.scheduleCpuMicros();
            boolean hold = r.config().waitModel() == SimulationConfig.WaitModel.HOLD;
            double capacity = mean <= 0 ? 0 : 1e6 / mean;
            b.append(f("| %s | %,d | %,d | %,d | %.2f | %,d | %,d | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %,.0f | %,d | %,.0f | %.2f | %.1f |\n",
                    size(r.config().fileBytes()), r.config().peers(), r.scheduleCalls(), r.heldReruns(),
                    r.scheduleCalls() / ((double) r.config().peers() * r.pieceCount()), r.emptyDecisions(),
                    hold ? r.holdsExpired() : r.emptyDecisions(), mean,
                    r.waitCpuMicros(),
                    r.schedule().meanMicros(), r.schedule().percentileMicros(50), r.schedule().percentileMicros(99),
                    r.pullCpuMicros(),
                    r.callsPerSecond(), r.peakCallsPerSecond(), capacity,
                    capacity <= 0 ? 0 : r.peakCallsPerSecond() / capacity, r.wallSeconds()));
        }
        return b.toString();
    }

    static String microbench(SchedulerMicrobenchmark.Result m) {
        StringBuilder b = new StringBuilder();
        b.append("| swarm members | pieces | downloading | in flight | maxPieces | calls | CPU µs/call | wall µs mean | wall p50 | wall p99 | decisions/s on one core (1/CPU µs) |\n");
        b.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (int max : new int[]{4, 1}) {
            DecisionStats s = max == 4 ? m.four() : m.one();
            double cpu = max == 4 ? m.fourCpuMicros() : m.oneCpuMicros();
            b.append(f("| %,d | %d | %,d | %,d | %d | %,d | %.1f | %.1f | %.1f | %.1f | %,.0f |\n", m.peers(), m.pieceCount(),
                    m.downloading(), m.inFlight(), max, s.count(), cpu, s.meanMicros(), s.percentileMicros(50),
                    s.percentileMicros(99), 1e6 / cpu));
        }
        b.append(f("%nOn the same swarm: one full `TaskSwarm.expireInFlight` sweep (it sweeps at most once a second) takes "
                + "**%.0f µs** over %,d in-flight assignments; Java-serializing the whole `TaskSwarm` "
                + "takes **%.1f ms** and **%,d bytes**.%n", m.expireMicros(), m.inFlight(), m.serializeMillis(),
                m.serializedBytes()));
        StringBuilder loads = new StringBuilder();
        int peers = 0;
        for (int n : m.uploadLoad()) {
            peers += n;
        }
        for (int i = 0; i < m.uploadLoad().length; i++) {
            loads.append(i == 0 ? "" : ", ").append(f("%d: %.1f%%", i, 100.0 * m.uploadLoad()[i] / Math.max(1, peers)));
        }
        b.append(f("Peers by pieces they were uploading at that moment: %s; a peer held %.1f of %d pieces on average.%n",
                loads, m.meanPiecesHeld(), m.pieceCount()));
        return b.toString();
    }

    /** About 15 rows: every k-th one-second sample, and the last. */
    static String timeline(SimulationResult r) {
        StringBuilder b = new StringBuilder();
        b.append("| t (s) | delivered | peers done | pieces in swarm | in flight per downloading peer | peer uploads | seed uploads | decisions in the last second | of which found nothing |\n");
        b.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        List<TimelineSample> all = r.timeline();
        int step = Math.max(1, (int) Math.ceil(all.size() / 15.0));
        for (int i = 0; i < all.size(); i++) {
            if (i % step != 0 && i != all.size() - 1) {
                continue;
            }
            TimelineSample s = all.get(i);
            b.append(f("| %.1f | %.1f%% | %,d | %d | %.2f | %,d | %d | %,d | %,d |\n", s.time(), 100 * s.delivered(),
                    s.donePeers(), s.piecesInSwarm(), s.inFlightPerPeer(), s.peerUploads(), s.seedUploads(), s.calls(),
                    s.waits()));
        }
        return b.toString();
    }

    static String size(long bytes) {
        if (bytes % SimulationConfig.GIB == 0) {
            return bytes / SimulationConfig.GIB + " GiB";
        }
        if (bytes % SimulationConfig.MIB == 0) {
            return bytes / SimulationConfig.MIB + " MiB";
        }
        return bytes + " B";
    }

    static String f(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }
}
