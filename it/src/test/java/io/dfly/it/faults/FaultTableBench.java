package io.dfly.it.faults;

import io.dfly.it.faults.FaultBed.Role;
import io.dfly.it.harness.Tmpfs;
import io.dfly.it.registry.RegistryServer;
import io.dfly.it.registry.Skopeo;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code bench/faults}: the fault table. Runs every case of {@link FaultCases} {@code dfly.faults.runs}
 * times on a big blob (default 120 MiB, from a real registry when docker-registry and skopeo are
 * installed, else from the HTTP origin; origin-fault and load cases always use the HTTP origin), plus
 * fault-free runs of the same steps for the time column, then prints the table and writes it to
 * {@code dfly.faults.out}. Skips itself unless {@code dfly.faults.runs} is set, so {@code mvn verify}
 * never runs it.
 *
 * <p>Properties: {@code dfly.faults.runs}, {@code dfly.faults.blob-mb} (120), {@code dfly.faults.rate}
 * (each downloader's {@code dfly.dfdaemon.ratelimit} and the case-5 supernodes' origin rate, default 25M),
 * {@code dfly.faults.ttl} (the supernode's FAILED-task TTL, default 30s), {@code dfly.faults.load}
 * (case 10: concurrent registrations,tasks — default 1000,10000), {@code dfly.faults.cases} (ids, e.g.
 * {@code 1,7a,10}; default all), {@code dfly.faults.origin} (auto | registry | http), {@code dfly.faults.timeout}
 * (a download's safety timeout, default 300s: longer counts as hung), {@code dfly.faults.out},
 * {@code dfly.faults.command} and {@code dfly.faults.commit} (recorded in the report).
 */
class FaultTableBench {
    static final long MIB = 1L << 20;

    @Test
    void faultTable() throws Exception {
        String runsText = System.getProperty("dfly.faults.runs", "");
        assumeTrue(!runsText.isBlank(), "the fault table runs from bench/faults (-Ddfly.faults.runs=N)");
        int runs = Integer.parseInt(runsText.trim());
        int blobMiB = Integer.parseInt(System.getProperty("dfly.faults.blob-mb", "120").trim());
        String rate = System.getProperty("dfly.faults.rate", "25M").trim();
        Duration ttl = Duration.ofSeconds(Long.parseLong(System.getProperty("dfly.faults.ttl", "30s").replace("s", "").trim()));
        int[] load = Arrays.stream(System.getProperty("dfly.faults.load", "1000,10000").split(","))
                .mapToInt(s -> Integer.parseInt(s.trim())).toArray();
        String originChoice = System.getProperty("dfly.faults.origin", "auto").trim();
        boolean registry = switch (originChoice) {
            case "registry" -> true;
            case "http" -> false;
            default -> RegistryServer.available() && Skopeo.available();
        };
        Set<String> only = Arrays.stream(System.getProperty("dfly.faults.cases", "").split(","))
                .map(String::trim).filter(s -> !s.isEmpty()).collect(Collectors.toSet());
        Path root = Path.of(System.getProperty("dfly.project.root", "..")).toAbsolutePath().normalize();
        Path out = Path.of(System.getProperty("dfly.faults.out",
                root.resolve("bench/results/faults-" + LocalDate.now(ZoneOffset.UTC) + ".md").toString()));

        Duration safety = Duration.ofSeconds(Long.parseLong(System.getProperty("dfly.faults.timeout", "300s").replace("s", "").trim()));
        FaultBed.Settings settings = new FaultBed.Settings(blobMiB * MIB, rate, rate, ttl, safety,
                registry, Math.max(8, blobMiB / 2));
        Map<FaultCase, List<Outcome>> faulty = new LinkedHashMap<>();
        Map<FaultCase, List<Outcome>> clean = new LinkedHashMap<>();
        String loadAvg = Files.readString(Path.of("/proc/loadavg")).trim();
        long t0 = System.nanoTime();
        try (FaultBed bed = new FaultBed(settings)) {
            FaultCases cases = new FaultCases(bed, new FaultCases.Load(load[0], load[1], 8192));
            bed.start(Role.SN, Role.D1, Role.D2);
            for (FaultCase script : FaultCase.values()) {
                if (script.script() != script || !(only.isEmpty() || script.rows().stream().anyMatch(r -> only.contains(r.id)))) {
                    continue;
                }
                int baselines = baselines(script, runs);
                if (baselines > 0) {
                    // one fault-free run first, not counted: the first download of a JVM spends seconds in the JIT
                    progress("case " + script.id + ": warm-up run (not counted)");
                    cases.run(script, false);
                }
                // fault-free and fault runs take turns, so a drift of the machine's load touches both alike
                for (int i = 0; i < runs; i++) {
                    if (i < baselines) {
                        progress("case " + script.id + ": fault-free run " + (i + 1) + "/" + baselines);
                        for (Outcome o : cases.run(script, false)) {
                            clean.computeIfAbsent(o.row(), k -> new ArrayList<>()).add(o);
                        }
                    }
                    progress("case " + script.id + ": run " + (i + 1) + "/" + runs);
                    for (Outcome o : cases.run(script, true)) {
                        faulty.computeIfAbsent(o.row(), k -> new ArrayList<>()).add(o);
                        if (!o.violations().isEmpty()) {
                            progress("  " + o.report().replace("\n", "\n  "));
                        }
                    }
                }
            }
        }
        double minutes = (System.nanoTime() - t0) / 60e9;
        String report = FaultTable.render(new FaultTable.Context(runs, blobMiB, rate, ttl, safety, load[0], load[1],
                registry ? "docker-registry (the HTTP origin for cases 7 and 10 and case 8's small file)" : "HTTP origin (it's OriginServer)",
                System.getProperty("dfly.faults.command", "bench/faults"), System.getProperty("dfly.faults.commit", "?"),
                loadAvg, minutes, Tmpfs.available()), faulty, clean);
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, report);
        System.out.println(report);
        progress("wrote " + out);
    }

    /** Fault-free runs: as many as fault runs where time ≤ 2 × fault-free is a target, else one (none for 6b/6c, 7d, 7e, 8, 10). */
    static int baselines(FaultCase script, int runs) {
        return switch (script) {
            case C1, C2, C3, C4 -> runs;
            case C7D, C7E, C8, C10 -> 0;
            default -> 1;
        };
    }

    private static void progress(String line) {
        System.err.println("[faults] " + line);
    }
}
