package io.dfly.bench.simulate;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Command line: runs the configured cases, prints Markdown, writes the results file. */
public final class SimulateMain {
    private static final String HELP = """
            Usage: bench/simulate [options]
            Discrete-event simulation of dfly's real piece scheduler (RarestFirstScheduler over TaskSwarm):
            one supernode CDN copy holding the whole file, N peers starting together, fluid bandwidth.

              --peers LIST              peer counts, comma-separated            (default 100,1000,10000)
              --file-size SIZE          file size, e.g. 1GiB, 300MiB, 5GB        (default 1GiB)
              --also LIST               extra SIZE:N cases, or "none"            (default 10GiB:1000)
              --seed-upload MB/s        supernode upload u_s (MB = 10^6 bytes)   (default 100)
              --peer-upload MB/s        each peer's upload u_i                   (default 100)
              --peer-download MB/s      each peer's download d_i                 (default 100)
              --parallelism K           pieces a peer downloads at once          (default 3)
              --peer-upload-limit K     pieces a peer uploads at once; the supernode also gives
                                          a peer at most K pieces in flight and the seed at most
                                          K uploads at once (SchedulerLimits.peerFetchLimit) (default 3,
                                          the supernode's)
              --seed-upload-limit K     pieces the supernode uploads at once     (default 50)
              --wait-model hold|poll    how a pull that finds nothing is answered (default hold)
                                        hold: as the supernode does now (TaskService.pullHeld): held up
                                          to --hold-ms and re-run when woken; a successful report wakes
                                          the reporter's own held pull and the peer-upload-limit + 1
                                          longest-held others, a join wakes as many; a hold that ends
                                          empty answers WAIT and the peer asks again 10 ms later
                                        poll: the old supernode: WAIT at once, the peer asks again
                                          after --poll-ms (or when one of its own pieces lands)
              --hold-ms MS              longest hold of a pull (hold model; each ends at random in its last quarter, as the supernode does) (default 500)
              --poll-ms MS              a peer's re-ask delay after WAIT (poll)  (default 200)
              --starters-first on|off   SchedulerLimits.startersFirst            (default on)
              --flow-ms MS              full-rate transfers (SchedulerLimits.flowMillis): an end with a
                                          transfer younger than MS gets no other new one; 0 = off,
                                          every slot at once                     (default 500, the supernode's)
              --arrival-spread-ms MS    peers arrive uniformly in [0, MS]; 0 = herd (default 0)
              --seed N                  random seed (tie-breaking, arrivals)     (default 42)
              --no-microbench           skip the focused schedule() timing at the largest N
              --out FILE                results file (default bench/results/simulate-<date>.md)
              --no-write                print only
              --help                    this text
            """;

    private SimulateMain() {
    }

    public static void main(String[] args) throws IOException {
        List<Integer> peers = List.of(100, 1000, 10000);
        long fileBytes = SimulationConfig.GIB;
        String also = "10GiB:1000";
        SimulationConfig base = SimulationConfig.defaults(1);
        double seedUp = base.seedUpload();
        double peerUp = base.peerUpload();
        double peerDown = base.peerDownload();
        int parallelism = base.parallelism();
        int peerLimit = base.peerUploadLimit();
        int seedLimit = base.seedUploadLimit();
        long poll = base.pollMillis();
        SimulationConfig.WaitModel waitModel = base.waitModel();
        long holdMs = base.holdMillis();
        boolean startersFirst = base.startersFirst();
        long flowMs = base.flowMillis();
        long spread = base.arrivalSpreadMillis();
        long seed = base.randomSeed();
        boolean microbench = true;
        boolean write = true;
        Path out = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--help", "-h" -> {
                    System.out.print(HELP);
                    return;
                }
                case "--no-microbench" -> microbench = false;
                case "--no-write" -> write = false;
                default -> {
                    if (i + 1 >= args.length) {
                        fail("missing value for " + a);
                    }
                    String v = args[++i];
                    try {
                        switch (a) {
                            case "--peers" -> peers = parseList(v);
                            case "--file-size" -> fileBytes = parseSize(v);
                            case "--also" -> also = v;
                            case "--seed-upload" -> seedUp = positive(a, Double.parseDouble(v)) * SimulationConfig.MB;
                            case "--peer-upload" -> peerUp = positive(a, Double.parseDouble(v)) * SimulationConfig.MB;
                            case "--peer-download" -> peerDown = positive(a, Double.parseDouble(v)) * SimulationConfig.MB;
                            case "--parallelism" -> parallelism = (int) positive(a, Integer.parseInt(v));
                            case "--peer-upload-limit" -> peerLimit = (int) positive(a, Integer.parseInt(v));
                            case "--seed-upload-limit" -> seedLimit = (int) positive(a, Integer.parseInt(v));
                            case "--poll-ms" -> poll = (long) positive(a, Long.parseLong(v));
                            case "--hold-ms" -> holdMs = (long) positive(a, Long.parseLong(v));
                            case "--wait-model" -> waitModel = switch (v) {
                                case "hold" -> SimulationConfig.WaitModel.HOLD;
                                case "poll" -> SimulationConfig.WaitModel.POLL;
                                default -> throw new NumberFormatException(v);
                            };
                            case "--starters-first" -> startersFirst = switch (v) {
                                case "on", "true" -> true;
                                case "off", "false" -> false;
                                default -> throw new NumberFormatException(v);
                            };
                            case "--flow-ms" -> flowMs = nonNegative(a, Long.parseLong(v));
                            case "--arrival-spread-ms" -> spread = Long.parseLong(v);
                            case "--seed" -> seed = Long.parseLong(v);
                            case "--out" -> out = Path.of(v);
                            default -> fail("unknown option " + a + " (see --help)");
                        }
                    } catch (NumberFormatException e) {
                        fail("bad value for " + a + ": " + v);
                    }
                }
            }
        }
        SimulationConfig template = new SimulationConfig(fileBytes, 1, seedUp, peerUp, peerDown, parallelism, peerLimit,
                seedLimit, poll, base.heartbeatMillis(), spread, seed, waitModel, holdMs, startersFirst, flowMs);
        List<SimulationConfig> cases = new ArrayList<>();
        for (int n : peers) {
            cases.add(template.withPeers(n));
        }
        if (!also.isBlank() && !also.equals("none")) {
            for (String c : also.split(",")) {
                String[] sn = c.trim().split(":");
                if (sn.length != 2) {
                    fail("--also wants SIZE:N, got " + c);
                }
                try {
                    cases.add(template.withFileBytes(parseSize(sn[0])).withPeers(Integer.parseInt(sn[1])));
                } catch (NumberFormatException e) {
                    fail("--also wants SIZE:N, got " + c);
                }
            }
        }
        int largest = peers.stream().mapToInt(Integer::intValue).max().orElse(0);
        String started = Instant.now().toString();
        List<SimulationResult> results = new ArrayList<>();
        SchedulerMicrobenchmark.Result micro = null;
        for (SimulationConfig c : cases) {
            SchedulerMicrobenchmark probe = microbench && c.peers() == largest && c.fileBytes() == fileBytes && micro == null
                    ? new SchedulerMicrobenchmark(100_000, 200_000) : null;
            System.err.printf(Locale.ROOT, "simulating %s, N = %,d ...%n", ResultTable.size(c.fileBytes()), c.peers());
            SimulationResult r = new Simulation(c, probe).run();
            System.err.printf(Locale.ROOT, "  done in %.1f s wall (%,d events, %,d schedule() calls)%n", r.wallSeconds(),
                    r.events(), r.scheduleCalls());
            results.add(r);
            if (probe != null) {
                micro = probe.result();
            }
        }
        String report = ReportWriter.render(template, cases, results, micro, started);
        System.out.print(report);
        if (write) {
            Path file = out != null ? out : Path.of("bench", "results", "simulate-" + LocalDate.now(ZoneOffset.UTC) + ".md");
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            Files.writeString(file, report);
            System.err.println("wrote " + file);
        }
    }

    static long parseSize(String s) {
        String v = s.trim().toLowerCase(Locale.ROOT);
        long unit = 1;
        String[][] units = {{"gib", "1073741824"}, {"mib", "1048576"}, {"kib", "1024"}, {"gb", "1000000000"},
                {"mb", "1000000"}, {"kb", "1000"}, {"b", "1"}};
        for (String[] u : units) {
            if (v.endsWith(u[0])) {
                unit = Long.parseLong(u[1]);
                v = v.substring(0, v.length() - u[0].length()).trim();
                break;
            }
        }
        double n = Double.parseDouble(v);
        if (n <= 0) {
            throw new NumberFormatException(s);
        }
        return (long) (n * unit);
    }

    private static List<Integer> parseList(String v) {
        List<Integer> out = new ArrayList<>();
        for (String p : v.split(",")) {
            int n = Integer.parseInt(p.trim().replace("_", ""));
            if (n < 1) {
                throw new NumberFormatException(p);
            }
            out.add(n);
        }
        return out;
    }

    private static long nonNegative(String flag, long v) {
        if (v < 0) {
            fail(flag + " must not be negative");
        }
        return v;
    }

    private static double positive(String flag, double v) {
        if (!(v > 0)) {
            fail(flag + " must be positive");
        }
        return v;
    }

    private static void fail(String message) {
        System.err.println("simulate: " + message);
        System.exit(2);
    }
}
