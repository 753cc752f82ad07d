package io.dfly.bench.simulate;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** The results file: how it was run, on what, with which parameters; the tables; the goals checked. */
final class ReportWriter {
    private ReportWriter() {
    }

    static String render(SimulationConfig t, List<SimulationConfig> cases, List<SimulationResult> results,
                         SchedulerMicrobenchmark.Result micro, String started) {
        StringBuilder b = new StringBuilder();
        b.append("# Scheduler simulation — ").append(started, 0, 10).append("\n\n");
        b.append("- started: ").append(started).append('\n');
        String cmd = System.getenv("DFLY_SIMULATE_COMMAND");
        b.append("- command: `").append(cmd != null ? cmd : "java io.dfly.bench.simulate.SimulateMain").append("`\n");
        b.append("- machine: nproc ").append(Runtime.getRuntime().availableProcessors()).append(", ")
                .append(cpuModel()).append(", load average at start ").append(loadAverage()).append('\n');
        b.append("- java: ").append(System.getProperty("java.vm.name")).append(' ')
                .append(System.getProperty("java.runtime.version")).append(", ").append(System.getProperty("os.name"))
                .append(' ').append(System.getProperty("os.version")).append('\n');
        b.append("- policy: `io.dfly.scheduler.RarestFirstScheduler` over `TaskSwarm` (the supernode's classes, unmodified), from ")
                .append(schedulerJar()).append('\n');
        String git = System.getenv("DFLY_SIMULATE_SCHEDULER_GIT");
        if (git != null && !git.isBlank()) {
            b.append("- scheduler sources: ").append(git).append('\n');
        }
        b.append(ResultTable.f("- parameters: u_s = %.0f MB/s, u_i = %.0f MB/s, d_i = %.0f MB/s (MB = 10^6 B); "
                        + "piece-parallelism %d, peer-upload-limit %d (also the supernode's fetch limit per peer and the seed's parallelism cap), seed-upload-limit %d, %s, starters first %s, full-rate transfers %s, heartbeat %d ms, "
                        + "arrivals %s, seed %d; piece size by `PieceSizeRule`%n",
                t.seedUpload() / SimulationConfig.MB, t.peerUpload() / SimulationConfig.MB,
                t.peerDownload() / SimulationConfig.MB, t.parallelism(), t.peerUploadLimit(), t.seedUploadLimit(),
                t.waitModel() == SimulationConfig.WaitModel.HOLD
                        ? "wait model hold (a pull that finds nothing is held up to " + t.holdMillis()
                        + " ms, woken by reports/joins: own + peer-upload-limit + 1 longest held; WAIT after a hold: re-ask in "
                        + SimulationConfig.HELD_WAIT_MILLIS + " ms)"
                        : "wait model poll (WAIT re-ask " + t.pollMillis() + " ms)",
                t.startersFirst() ? "on" : "off",
                t.flowMillis() > 0 ? "on (flow " + t.flowMillis() + " ms)" : "off", t.heartbeatMillis(),
                t.arrivalSpreadMillis() == 0 ? "all at t = 0 (herd)" : "uniform in [0, " + t.arrivalSpreadMillis() + " ms]",
                t.randomSeed()));
        b.append("- cases: ");
        for (int i = 0; i < cases.size(); i++) {
            b.append(i == 0 ? "" : ", ").append(ResultTable.size(cases.get(i).fileBytes())).append(" × N = ")
                    .append(String.format(Locale.ROOT, "%,d", cases.get(i).peers()));
        }
        b.append("\n\n## Completion against the lower bound\n\n");
        b.append("T* = max(S/u_s, S/min d_i, N·S/(u_s + Σu_i)); T = a peer's download time (arrival to last piece).\n\n");
        b.append(ResultTable.completion(results));
        b.append("\n## Supernode load\n\n");
        b.append("Decisions = `schedule()` calls (one per pull that is not DONE, plus, in the hold model, one per re-run of a "
                + "held pull: each wake-up and each hold's end), timed one by one inside the run "
                + "(first case includes JIT warm-up). \"needed\" = calls / simulated time, and the most calls in one "
                + "simulated second; \"one core\" = 1 / CPU µs per decision (thread CPU time, so other processes' load on a "
                + "shared machine does not count; the wall-clock columns do include it). \"found nothing\" = calls that "
                + "assigned nothing; \"WAIT answers\" = WAITs the peers actually got (poll model: every such call; hold "
                + "model: only holds that ended without an assignment).\n\n");
        b.append(ResultTable.load(results));
        if (micro != null) {
            b.append("\n## Focused microbenchmark (live swarm at half of all bytes delivered, largest N)\n\n");
            b.append("100,000 warm-up calls, then 200,000 timed calls for random downloading peers, alternating "
                    + "maxPieces 4 and 1; own scheduler and random source, so the run is not disturbed.\n\n");
            b.append(ResultTable.microbench(micro));
        }
        b.append("\n## Timelines\n\nOne sample per simulated second (about 15 shown per case); \"decisions\" and \"found nothing\" count the "
                + "second before the sample.\n");
        for (SimulationResult r : results) {
            b.append(ResultTable.f("%n### %s, N = %,d%n%n", ResultTable.size(r.config().fileBytes()), r.config().peers()));
            b.append(ResultTable.timeline(r));
        }
        b.append("\n## Goals\n\n");
        for (SimulationResult r : results) {
            if (r.config().peers() >= 10_000) {
                double p50 = r.percentile(50) / r.lowerBound();
                double p99 = r.percentile(99) / r.lowerBound();
                b.append(ResultTable.f("- %s, N = %,d: p50 = %.2f × T* (goal ≤ 1.2: %s), p99 = %.2f × T* (goal ≤ 1.5: %s)%n",
                        ResultTable.size(r.config().fileBytes()), r.config().peers(), p50, p50 <= 1.2 ? "met" : "MISSED",
                        p99, p99 <= 1.5 ? "met" : "MISSED"));
            }
        }
        for (SimulationResult r : results) {
            double mean = r.scheduleCpuMicros();
            b.append(ResultTable.f("- scheduler, %s, N = %,d: %.1f CPU µs per decision in the run, %.1f wall (goal ≤ 50: %s)%n",
                    ResultTable.size(r.config().fileBytes()), r.config().peers(), mean, r.schedule().meanMicros(),
                    mean <= 50 ? "met" : "MISSED"));
        }
        if (micro != null) {
            double mean = micro.fourCpuMicros();
            b.append(ResultTable.f("- scheduler, microbenchmark at %,d members, maxPieces 4: %.1f CPU µs per decision (goal ≤ 50: %s)%n",
                    micro.peers(), mean, mean <= 50 ? "met" : "MISSED"));
        }
        b.append("\n## One supernode, K supernodes\n\n");
        b.append("Tasks are partitioned by key across the Hazelcast members: every pull of one task runs as an entry "
                + "processor on that task's partition owner, one at a time. K members give ≈ K× decision capacity for "
                + "many tasks, but one task's swarm lives on one partition owner, so one task never gets more than one "
                + "core's worth of decisions, whatever K is.\n\n");
        for (SimulationResult r : results) {
            double capacity = 1e6 / Math.max(1e-9, r.scheduleCpuMicros());
            double pullCapacity = 1e6 / Math.max(1e-9, r.pullCpuMicros());
            b.append(ResultTable.f("- %s, N = %,d: peak %,d decisions/s vs %,.0f/s on one core (schedule only; %,.0f/s "
                            + "with the whole pull) → one task uses %.0f%% of a core at peak%s%n",
                    ResultTable.size(r.config().fileBytes()), r.config().peers(), r.peakCallsPerSecond(), capacity,
                    pullCapacity, 100.0 * r.peakCallsPerSecond() / pullCapacity,
                    r.peakCallsPerSecond() > pullCapacity ? " — SATURATED: this task alone needs more than one partition owner can give" : ""));
        }
        return b.toString();
    }

    /** Where the scheduler classes came from, with the jar's SHA-256 (the policy may change under us). */
    private static String schedulerJar() {
        try {
            Path jar = Path.of(io.dfly.scheduler.RarestFirstScheduler.class.getProtectionDomain().getCodeSource()
                    .getLocation().toURI());
            if (Files.isRegularFile(jar)) {
                byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(jar));
                return "`" + jar.getFileName() + "` sha256 " + java.util.HexFormat.of().formatHex(digest, 0, 8) + "…";
            }
            return "`" + jar + "`";
        } catch (Exception e) {
            return "an unknown location";
        }
    }

    private static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // not Linux
        }
        return System.getProperty("os.arch");
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException ignored) {
            return "n/a";
        }
    }
}
