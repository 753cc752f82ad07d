package io.dfly.it.faults;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/** Renders the fault table (Markdown) from the bench's outcomes. */
final class FaultTable {
    private static final double MIB = 1 << 20;

    /** How the table was made. */
    record Context(int runs, int blobMiB, String rate, Duration ttl, Duration safety, int concurrent, int tasks, String origin,
                   String command, String commit, String loadAvg, double minutes, boolean root) {
    }

    private FaultTable() {
    }

    static String render(Context c, Map<FaultCase, List<Outcome>> faulty, Map<FaultCase, List<Outcome>> clean) {
        StringBuilder b = new StringBuilder();
        String date = ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ISO_LOCAL_DATE);
        b.append("# Fault table, ").append(date).append("\n\n");
        b.append("- command: `").append(c.command()).append("`\n");
        b.append("- commit: ").append(c.commit()).append('\n');
        b.append("- machine: ").append(Runtime.getRuntime().availableProcessors()).append(" CPUs (")
                .append(cpuModel()).append("), load average at start ").append(c.loadAvg()).append('\n');
        b.append("- Java ").append(System.getProperty("java.version")).append("; wall time ")
                .append(String.format(Locale.ROOT, "%.1f", c.minutes())).append(" min\n");
        b.append("- blob ").append(c.blobMiB()).append(" MiB (random), origin: ").append(c.origin())
                .append("; runs per case: ").append(c.runs()).append("; downloaders' `dfly.dfdaemon.ratelimit` and")
                .append(" case 5's `dfly.supernode.origin-ratelimit` ").append(c.rate()).append("/s")
                .append("; supernode `dfly.supernode.failed-task-ttl` ").append(c.ttl().toSeconds()).append(" s")
                .append(", `dfly.supernode.gc.interval` 1 s\n");
        b.append("- every delivered file is compared byte by byte with the origin's blob; a download that does not")
                .append(" answer within ").append(c.safety().toSeconds()).append(" s counts as hung\n");
        b.append("- time / fault-free time: median of the runs / median of the same steps without the fault, taking")
                .append(" turns with them after one uncounted warm-up (bench/README.md, \"Fault table\")\n\n");

        b.append("| case | runs | finished | failed with a clear error | corrupt bytes delivered | origin bytes / blob (mean, max) |")
                .append(" time / fault-free time (median s) | target | met |\n");
        b.append("|---|---:|---:|---:|---:|---:|---:|---|---|\n");
        List<String> details = new ArrayList<>();
        for (Map.Entry<FaultCase, List<Outcome>> e : faulty.entrySet()) {
            FaultCase row = e.getKey();
            if (row == FaultCase.C10) {
                continue;
            }
            List<Outcome> os = e.getValue();
            if (os.stream().allMatch(o -> o.skipped() != null)) {
                b.append("| ").append(row.id).append(" ").append(row.what).append(" | 0 | – | – | – | – | – | ")
                        .append(target(row)).append(" | skipped: ").append(os.get(0).skipped()).append(" |\n");
                continue;
            }
            long finished = os.stream().filter(Outcome::finished).count();
            long clearly = os.stream().filter(Outcome::failedClearly).count();
            long corrupt = os.stream().mapToLong(Outcome::corruptBytes).sum();
            double meanOrigin = os.stream().mapToDouble(Outcome::originRatio).average().orElse(0);
            double maxOrigin = os.stream().mapToDouble(Outcome::originRatio).max().orElse(0);
            double t = median(os, Outcome::seconds);
            List<Outcome> base = clean.getOrDefault(row, List.of());
            Double ratio = base.isEmpty() ? null : t / median(base, Outcome::seconds);
            String time = ratio == null ? String.format(Locale.ROOT, "– (%.1f s)", t)
                    : String.format(Locale.ROOT, "%.2f (%.1f / %.1f)", ratio, t, median(base, Outcome::seconds));
            long bad = os.stream().filter(o -> !o.violations().isEmpty()).count();
            List<String> missed = new ArrayList<>();
            if (bad > 0) {
                missed.add(bad + "/" + os.size() + " runs missed a correctness target");
            }
            if (row.timeTarget && ratio != null && ratio > 2.0) {
                missed.add(String.format(Locale.ROOT, "time %.2f × > 2 ×", ratio));
            }
            b.append("| ").append(row.id).append(" ").append(row.what).append(" | ").append(os.size()).append(" | ")
                    .append(finished).append(" | ").append(clearly).append(" | ").append(corrupt).append(" | ")
                    .append(String.format(Locale.ROOT, "%.2f, %.2f", meanOrigin, maxOrigin)).append(" | ")
                    .append(time).append(" | ").append(target(row)).append(" | ")
                    .append(missed.isEmpty() ? "yes" : "**no**: " + String.join("; ", missed)).append(" |\n");
            details.add(details(row, os));
        }

        List<Outcome> loads = faulty.getOrDefault(FaultCase.C10, List.of());
        if (!loads.isEmpty()) {
            b.append("\n## Case 10: load (").append(String.format(Locale.ROOT, "%,d", c.concurrent()))
                    .append(" concurrent registrations, ").append(String.format(Locale.ROOT, "%,d", c.tasks()))
                    .append(" FAILED tasks, 8 KiB of origin headers each)\n\n");
            b.append("| run | tasks before / peak | heap MiB: cold / before / peak sampled / peak after GC / after TTL |")
                    .append(" threads: cold / before / peak / after TTL | tasks fell back after (s) | 503 + Retry-After answers | met |\n");
            b.append("|---:|---:|---:|---:|---:|---:|---|\n");
            int i = 1;
            for (Outcome o : loads) {
                Map<String, String> n = o.notes();
                b.append("| ").append(i++).append(" | ").append(n.getOrDefault("n.tasks0", "?")).append(" / ")
                        .append(n.getOrDefault("n.tasksPeak", "?")).append(" | ")
                        .append(n.containsKey("n.heapCold") ? mib(n, "n.heapCold") : "–").append(" / ")
                        .append(mib(n, "n.heap0")).append(" / ").append(mib(n, "n.heapPeakSampled")).append(" / ")
                        .append(mib(n, "n.heapPeakAfterGc")).append(" / ").append(mib(n, "n.heapAfter")).append(" | ")
                        .append(n.getOrDefault("n.threadsCold", "–")).append(" / ")
                        .append(n.getOrDefault("n.threads0", "?")).append(" / ").append(n.getOrDefault("n.threadsPeak", "?"))
                        .append(" / ").append(n.getOrDefault("n.threadsAfter", "?")).append(" | ")
                        .append(fell(n.get("n.fellAfterSeconds"))).append(" | ").append(n.getOrDefault("n.busy", "?"))
                        .append(" | ").append(o.violations().isEmpty() ? "yes" : "**no**").append(" |\n");
            }
            details.add(details(FaultCase.C10, loads));
        }

        b.append("\n## The issue's targets\n\n");
        List<Outcome> every = faulty.values().stream().flatMap(List::stream).filter(o -> o.skipped() == null).toList();
        long corrupt = every.stream().mapToLong(Outcome::corruptBytes).sum();
        long hung = every.stream().filter(Outcome::hung).count();
        b.append("- **zero corrupt bytes in every case: ").append(corrupt == 0 ? "met" : "missed (" + corrupt + " bytes)")
                .append("**\n");
        b.append("- **zero hangs in every case: ").append(hung == 0 ? "met" : "missed (" + hung + " runs hung)").append("**\n");
        List<String> notFinished = new ArrayList<>();
        for (Map.Entry<FaultCase, List<Outcome>> e : faulty.entrySet()) {
            if (e.getKey().expect == FaultCase.Expect.FINISH && e.getKey() != FaultCase.C8) {
                long n = e.getValue().stream().filter(o -> !o.finished() && o.skipped() == null).count();
                if (n > 0) {
                    notFinished.add(e.getKey().id + " (" + n + "/" + e.getValue().size() + ")");
                }
            }
        }
        b.append("- **cases 1–7 and 9 finish every run: ").append(notFinished.isEmpty() ? "met" : "missed: " + notFinished)
                .append("** (7d, a 404, and 7e, bytes that do not match the digest, must fail clearly instead)\n");
        List<String> origin = new ArrayList<>();
        for (Map.Entry<FaultCase, List<Outcome>> e : faulty.entrySet()) {
            double max = e.getValue().stream().filter(o -> o.skipped() == null).mapToDouble(Outcome::originRatio).max().orElse(0);
            if (max > e.getKey().originBound && e.getKey() != FaultCase.C10) {
                origin.add(String.format(Locale.ROOT, "%s (%.2f > %.2f)", e.getKey().id, max, e.getKey().originBound));
            }
        }
        b.append("- **origin bytes ≤ 1.05 × blob (5: ≤ 1.5 ×; rows that need the origin by design: 6a 2.05, 7c 1.55,")
                .append(" 7e 3.05, 8 2.05; 6b/6c count the download after the restart, ≤ 0.05): ")
                .append(origin.isEmpty() ? "met" : "missed: " + origin).append("**\n");
        List<String> slow = new ArrayList<>();
        for (FaultCase r : List.of(FaultCase.C1, FaultCase.C2, FaultCase.C3, FaultCase.C4)) {
            List<Outcome> os = faulty.getOrDefault(r, List.of());
            List<Outcome> base = clean.getOrDefault(r, List.of());
            if (!os.isEmpty() && !base.isEmpty()) {
                double ratio = median(os, Outcome::seconds) / median(base, Outcome::seconds);
                if (ratio > 2.0) {
                    slow.add(String.format(Locale.ROOT, "%s (%.2f ×)", r.id, ratio));
                }
            }
        }
        b.append("- **time ≤ 2 × fault-free for 1–4: ").append(slow.isEmpty() ? "met" : "missed: " + slow).append("**\n");
        if (!loads.isEmpty()) {
            b.append("- **case 10, memory falls back after the FAILED-task TTL: ")
                    .append(loads.stream().allMatch(o -> o.violations().isEmpty()) ? "met" : "missed").append("**\n");
        }
        if (!c.root()) {
            b.append("- case 8 needs root (a tmpfs data dir) and was skipped\n");
        }

        b.append("\n## Per case: what went wrong, and what was seen\n\n");
        details.forEach(d -> b.append(d).append('\n'));
        return b.toString();
    }

    private static String target(FaultCase row) {
        String origin = String.format(Locale.ROOT, "origin ≤ %.2f ×", row.originBound);
        return switch (row.expect) {
            case FINISH -> "finishes, 0 corrupt, no hang, " + origin + (row.timeTarget ? ", time ≤ 2 ×" : "");
            case FAIL -> "fails clearly (says " + String.join(", ", row.errorMustContain) + "), 0 corrupt, no hang, " + origin;
            case NONE -> "";
        };
    }

    private static String details(FaultCase row, List<Outcome> os) {
        StringBuilder b = new StringBuilder("- **" + row.id + "** " + row.what + ":");
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (Outcome o : os) {
            for (String v : o.violations()) {
                counts.merge(v.length() > 300 ? v.substring(0, 300) + "…" : v, 1, Integer::sum);
            }
        }
        if (counts.isEmpty()) {
            b.append(" every run met its correctness targets.");
        }
        counts.forEach((v, n) -> b.append("\n  - ").append(n).append("× ").append(v.replace("\n", " ").replace("|", "/")));
        Outcome last = os.get(os.size() - 1);
        last.notes().forEach((k, v) -> {
            if (!k.startsWith("n.") && !k.equals("stack")) {
                b.append("\n  - last run, ").append(k).append(": ").append(v.replace("\n", " ").replace("|", "/"));
            }
        });
        return b.toString();
    }

    private static double median(List<Outcome> os, ToDoubleFunction<Outcome> f) {
        double[] v = os.stream().mapToDouble(f).sorted().toArray();
        if (v.length == 0) {
            return Double.NaN;
        }
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static String mib(Map<String, String> n, String key) {
        try {
            return String.format(Locale.ROOT, "%.0f", Long.parseLong(n.get(key)) / MIB);
        } catch (RuntimeException e) {
            return "?";
        }
    }

    private static String fell(String seconds) {
        try {
            double s = Double.parseDouble(seconds);
            return s < 0 ? "**not within TTL + 60 s**" : String.format(Locale.ROOT, "%.0f", s);
        } catch (RuntimeException e) {
            return "?";
        }
    }

    private static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("?");
        } catch (Exception e) {
            return "?";
        }
    }
}
