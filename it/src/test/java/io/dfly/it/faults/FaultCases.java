package io.dfly.it.faults;

import io.dfly.core.protocol.RegisterRequest;
import io.dfly.it.faults.FaultBed.Blob;
import io.dfly.it.faults.FaultBed.Role;
import io.dfly.it.harness.DflyNode;
import io.dfly.it.harness.HostilePeer;
import io.dfly.it.harness.OriginServer;
import io.dfly.it.harness.OriginServer.Fault;
import io.dfly.it.harness.PeerApi;
import io.dfly.it.harness.Tmpfs;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAccumulator;

/**
 * The steps of every fault case, shared by {@link FaultCasesTest} (one run, small blob, the correctness
 * half) and {@link FaultTableBench} (big blob, many runs, timings). {@code fault = false} runs the same
 * steps without the fault: the fault-free time the table compares with.
 */
final class FaultCases {
    private static final long MIB = 1L << 20;
    private final FaultBed bed;
    private final AtomicInteger hostileSeq = new AtomicInteger();

    /** Case 10's sizes. */
    record Load(int concurrentRegistrations, int tasks, int headerBytes) {
    }

    private final Load load;

    FaultCases(FaultBed bed, Load load) {
        this.bed = bed;
        this.load = load;
    }

    /** Runs the script of {@code script} once; returns one outcome per row it produces (a crash is an outcome too). */
    List<Outcome> run(FaultCase script, boolean fault) {
        try {
            return switch (script) {
                case C1 -> List.of(peerKilled(fault));
                case C2 -> List.of(hostile(FaultCase.C2, HostilePeer.Mode.CORRUPT, fault));
                case C3 -> List.of(hostile(FaultCase.C3, HostilePeer.Mode.LIAR, fault));
                case C4 -> List.of(hostile(FaultCase.C4, HostilePeer.Mode.TRICKLE, fault));
                case C5 -> List.of(memberKilled(fault));
                case C6A -> restarts(fault);
                case C7A -> List.of(originFault(FaultCase.C7A, EnumSet.of(Fault.FAIL_EVERY_THIRD), fault));
                case C7B -> List.of(originFault(FaultCase.C7B, EnumSet.of(Fault.RESET_MID_BODY), fault));
                case C7C -> List.of(originFault(FaultCase.C7C, EnumSet.of(Fault.RESET_MID_BODY, Fault.IGNORE_RANGE), fault));
                case C7D -> List.of(originNotFound());
                case C7E -> List.of(originLies());
                case C7F -> List.of(fallbackOriginFault(fault));
                case C8 -> List.of(diskFull());
                case C9 -> List.of(supernodeUnreachable(fault));
                case C10 -> List.of(load());
                default -> throw new IllegalArgumentException(script + " is produced by " + script.script());
            };
        } catch (Throwable t) {
            return script.rows().stream().map(r -> Outcome.crashed(r, t)).toList();
        }
    }

    private Duration timeout() {
        return bed.settings.safetyTimeout();
    }

    private double ratio(long bytes, Blob b) {
        return (double) bytes / b.size();
    }

    /** Waits for every download, all within one safety timeout (not one each). */
    private List<Dfget.Result> all(List<Dfget.Running> running) {
        long deadline = System.nanoTime() + timeout().toNanos();
        return running.stream().map(r -> r.await(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())))).toList();
    }

    private Dfget.Running start(Role role, Blob b) {
        return Dfget.start(bed.node(role), b.url(), b.digest(), b.file(), p -> { });
    }

    private static double metric(DflyNode n, String name) {
        try {
            return n.metric(name);
        } catch (RuntimeException e) {
            return Double.NaN; // the node is down
        }
    }

    // ---------------------------------------------------------------- 1: an uploading peer SIGKILLed

    /**
     * The victim (a dfdaemon) downloads the blob first, so it holds every piece; D1 and D2 then download
     * it, and the victim is SIGKILLed as soon as it has uploaded a piece to them. Both must finish from the
     * supernode and each other; only the supernode's one fetch may reach the origin.
     */
    private Outcome peerKilled(boolean fault) throws Exception {
        bed.start(Role.SN, Role.D1, Role.D2, Role.VICTIM);
        DflyNode victim = bed.node(Role.VICTIM);
        Blob b = bed.blob("c1");
        List<String> v = new ArrayList<>();
        Map<String, String> notes = new LinkedHashMap<>();
        try {
            Dfget.Result first = Dfget.download(victim, b.url(), b.digest(), b.file(), timeout());
            if (!first.finished()) {
                v.add("the victim could not download the blob first: " + first.error());
            }
            double before = metric(victim, "dfly_engine_pieces_uploaded_total");
            List<Dfget.Running> running = List.of(start(Role.D1, b), start(Role.D2, b));
            if (fault) {
                boolean uploading = FaultBed.await(() -> metric(victim, "dfly_engine_pieces_uploaded_total") > before,
                        timeout());
                if (uploading) {
                    victim.kill();
                    notes.put("victim", "SIGKILLed after its first upload to D1/D2");
                } else {
                    v.add("the victim never uploaded to D1/D2: nothing was killed mid-transfer");
                }
            }
            List<Dfget.Result> results = all(running);
            notes.put("from peers (D1, D2)", results.stream().map(r -> r.last() == null ? "-" : String.valueOf(r.last().fromPeers())).toList().toString());
            return Outcome.of(FaultCase.C1, results, ratio(bed.originBytes(b), b), v, notes);
        } finally {
            bed.discard(b);
        }
    }

    // ---------------------------------------------------------------- 2, 3, 4: hostile peers

    /**
     * A hostile peer joins the blob's task first (CORRUPT and TRICKLE by downloading it honestly, LIAR by
     * claiming it), then D1 and D2 download it. The fault-free run has no hostile peer.
     */
    private Outcome hostile(FaultCase row, HostilePeer.Mode mode, boolean fault) throws Exception {
        bed.start(Role.SN, Role.D1, Role.D2);
        DflyNode sn = bed.node(Role.SN);
        Blob b = bed.blob("c" + row.id);
        List<String> v = new ArrayList<>();
        Map<String, String> notes = new LinkedHashMap<>();
        HostilePeer h = fault ? new HostilePeer("hostile-" + mode.name().toLowerCase(Locale.ROOT) + "-"
                + hostileSeq.incrementAndGet(), mode, bed.work.resolve("hostile")) : null;
        try {
            if (h != null) {
                h.join(sn.baseUrl(), b.url(), b.digest(), Duration.ofSeconds(30));
            }
            List<Dfget.Result> results = all(List.of(start(Role.D1, b), start(Role.D2, b)));
            if (h != null) {
                notes.put("hostile peer", "asked " + h.requests.get() + " times, bad answers " + h.badAnswers.get()
                        + ", false claims " + h.falseClaims.get() + ", forged failure reports " + h.forgedFailures.get());
                if (h.requests.get() == 0) {
                    v.add("no downloader ever asked the hostile peer: the run tested nothing");
                }
            }
            return Outcome.of(row, results, ratio(bed.originBytes(b), b), v, notes);
        } finally {
            if (h != null) {
                h.close();
            }
            bed.discard(b);
        }
    }

    // ---------------------------------------------------------------- 5: a supernode member SIGKILLed

    /**
     * Two supernodes in one cluster fetch from the origin at {@code clusterOriginRate}; a dfdaemon that knows
     * both downloads the blob, and the member fetching it is SIGKILLed when a quarter has left the origin.
     * The survivor must take over: the download finishes, the origin sends at most 1.5 blobs.
     */
    private Outcome memberKilled(boolean fault) throws Exception {
        bed.start(Role.C1, Role.C2, Role.DC);
        DflyNode a = bed.node(Role.C1);
        DflyNode c = bed.node(Role.C2);
        Blob b = bed.blob("c5");
        List<String> v = new ArrayList<>();
        Map<String, String> notes = new LinkedHashMap<>();
        // a member killed by the previous run is back: the case starts from a cluster of two, not from a member
        // that came up alone (Hazelcast merges a split only minutes later)
        if (!FaultBed.await(() -> clusterSize(a) == 2 && clusterSize(c) == 2, Duration.ofSeconds(120))) {
            v.add("the two members did not form one cluster within 120 s (sizes " + clusterSize(a) + ", "
                    + clusterSize(c) + ")");
        }
        try {
            String counter = "dfly_supernode_origin_bytes_total";
            double a0 = metric(a, counter);
            double c0 = metric(c, counter);
            if (!b.fromRegistry()) {
                // the HTTP origin sends at the members' fetch rate, as an origin-bound uplink does: what sits in
                // socket buffers when the member dies is then small, not megabytes written ahead
                bed.origin.throttle(io.dfly.core.config.ByteSize.parse(bed.settings.clusterOriginRate()));
            }
            Dfget.Running running = start(Role.DC, b);
            DflyNode survivor = null;
            if (fault) {
                // a quarter of the blob fetched, as the members themselves count it
                boolean quarter = FaultBed.await(() -> metric(a, counter) - a0 + metric(c, counter) - c0 >= b.size() / 4.0,
                        timeout());
                DflyNode fetcher = metric(a, counter) - a0 >= metric(c, counter) - c0 ? a : c;
                if (!quarter || bed.originBytes(b) >= b.size()) {
                    v.add("back-to-source was not under way when the member was to be killed");
                }
                fetcher.kill();
                survivor = fetcher == a ? c : a;
                notes.put("killed", (fetcher == a ? "C1" : "C2") + " after " + bed.originBytes(b) * 100 / b.size()
                        + " % of the blob left the origin");
            }
            Dfget.Result r = running.await(timeout());
            bed.origin.throttle(0);
            notes.put("origin requests", bed.originRequests(b).toString());
            if (survivor != null) {
                notes.put("survivor", takeOverLine(survivor, b.taskId()));
            }
            if (!r.finished()) {
                notes.put("registry log", bed.registryLog(b));
            }
            return Outcome.of(FaultCase.C5, List.of(r), ratio(bed.originBytes(b), b), v, notes);
        } finally {
            bed.origin.throttle(0);
            bed.discard(b);
        }
    }

    /** Where the survivor's take-over of the task resumed, as its log says (the mirror's pieces come before it). */
    private static String takeOverLine(DflyNode survivor, String taskId) {
        String log = survivor.log();
        int i = log.lastIndexOf("task " + taskId + ": back-to-source from");
        if (i < 0) {
            return "no take-over in its log";
        }
        int r = log.indexOf(" resuming at piece ", i);
        int eol = log.indexOf('\n', i);
        return r >= 0 && (eol < 0 || r < eol) ? log.substring(r + 1, eol < 0 ? log.length() : eol).trim()
                : "fetched from the first byte";
    }

    /**
     * The member count this node's own log says (Hazelcast's "Members {size:" lines do not reach it): the
     * "N member(s)" of its last start line, plus the members that joined since, minus those that left; 0 before
     * it started.
     */
    static int clusterSize(DflyNode n) {
        return clusterSize(n.log());
    }

    static int clusterSize(String log) {
        java.util.regex.Matcher m = UP.matcher(log);
        int size = -1;
        int up = 0;
        while (m.find()) {
            size = Integer.parseInt(m.group(1));
            up = m.end();
        }
        if (size < 0) {
            return 0;
        }
        String since = log.substring(up);
        return size + count(since, "supernode cluster: member joined") - count(since, "supernode cluster: member left");
    }

    private static final java.util.regex.Pattern UP = java.util.regex.Pattern.compile("dfly supernode \\S+ up: [^\\n]*?, (\\d+) member\\(s\\)");

    private static int count(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + what.length())) {
            n++;
        }
        return n;
    }

    // ---------------------------------------------------------------- 6: restarts

    /**
     * 6a: D1 downloads (rate-limited); once the supernode holds the whole blob (SUCCESS) and D1 has a quarter,
     * the supernode is restarted (SIGTERM, start on the same data dir). 6b: the supernode is restarted again
     * after the download, then D2 downloads the blob: with the CDN kept the origin sends nothing. 6c: D2 is
     * restarted and downloads the blob once more: served from its cache.
     */
    private List<Outcome> restarts(boolean fault) throws Exception {
        bed.start(Role.SN, Role.D1, Role.D2);
        DflyNode sn = bed.node(Role.SN);
        Blob b = bed.blob("c6");
        try {
            List<String> v = new ArrayList<>();
            Map<String, String> notes = new LinkedHashMap<>();
            DflyNode d1 = bed.node(Role.D1);
            // D1's own counters say how far it is (its progress lines may wait in the daemon's response buffer)
            double landed0 = landed(d1);
            Dfget.Running running = Dfget.start(d1, b.url(), b.digest(), b.file(), p -> { });
            if (fault) {
                boolean ready = FaultBed.await(() -> landed(d1) - landed0 >= b.size() / 4.0, timeout());
                String status = FaultBed.taskStatus(sn, b.taskId());
                long at = (long) (landed(d1) - landed0);
                if (!ready || at >= b.size()) {
                    v.add("D1 had nothing yet, or everything, when the restart was due: not mid-download");
                }
                sn.restart();
                notes.put("restart", "supernode restarted with D1 at " + at * 100 / b.size() + " %, the task "
                        + status + " on the supernode");
            }
            Dfget.Result r = running.await(timeout());
            if (r.last() != null) {
                notes.put("D1 bytes from supernode / origin", r.last().fromSupernode() + " / " + r.last().fromOrigin());
            }
            Outcome a = Outcome.of(FaultCase.C6A, List.of(r), ratio(bed.originBytes(b), b), v, notes);
            if (!fault) {
                return List.of(a);
            }

            // 6b: restarted after the download
            List<String> vb = new ArrayList<>();
            Map<String, String> nb = new LinkedHashMap<>();
            sn.restart();
            long before = bed.originBytes(b);
            Dfget.Result second = Dfget.download(bed.node(Role.D2), b.url(), b.digest(), b.file(), timeout());
            if (second.last() != null) {
                nb.put("D2 bytes from supernode / peers / origin", second.last().fromSupernode() + " / "
                        + second.last().fromPeers() + " / " + second.last().fromOrigin());
            }
            Outcome ob = Outcome.of(FaultCase.C6B, List.of(second), ratio(bed.originBytes(b) - before, b), vb, nb);

            // 6c: the dfdaemon restarted after the download
            List<String> vc = new ArrayList<>();
            Map<String, String> nc = new LinkedHashMap<>();
            DflyNode d2 = bed.node(Role.D2);
            d2.restart();
            long before2 = bed.originBytes(b);
            double snServed = metric(sn, "dfly_supernode_served_bytes_total");
            Dfget.Result third = Dfget.download(d2, b.url(), b.digest(), b.file(), timeout());
            double snServedAfter = metric(sn, "dfly_supernode_served_bytes_total");
            if (third.last() != null) {
                long fetched = third.last().fromSupernode() + third.last().fromPeers() + third.last().fromOrigin();
                nc.put("D2 bytes fetched again", String.valueOf(fetched));
                if (fetched > 0 || snServedAfter > snServed) {
                    vc.add("D2 fetched the blob again instead of serving its cache (" + fetched + " bytes)");
                }
            }
            Outcome oc = Outcome.of(FaultCase.C6C, List.of(third), ratio(bed.originBytes(b) - before2, b), vc, nc);
            return List.of(a, ob, oc);
        } finally {
            bed.discard(b);
        }
    }

    /** Bytes a dfdaemon has fetched, from anywhere (its counters). */
    private static double landed(DflyNode d) {
        return metric(d, "dfly_engine_bytes_from_supernode_total") + metric(d, "dfly_engine_bytes_from_peers_total")
                + metric(d, "dfly_engine_bytes_from_origin_total");
    }

    // ---------------------------------------------------------------- 7: origin faults

    /** The supernode's back-to-source meets {@code modes}; D1 downloads. The supernode must recover by itself. */
    private Outcome originFault(FaultCase row, Set<Fault> modes, boolean fault) throws Exception {
        bed.start(Role.SN, Role.D1);
        Blob b = bed.httpBlob("c" + row.id, bed.settings.blobBytes());
        String prefix = FaultBed.prefix(b);
        List<String> v = new ArrayList<>();
        Map<String, String> notes = new LinkedHashMap<>();
        OriginServer origin = bed.origin;
        try {
            if (fault) {
                origin.faults(prefix, modes);
            }
            long injected = origin.faultsInjected();
            Dfget.Result r = Dfget.download(bed.node(Role.D1), b.url(), b.digest(), b.file(), timeout());
            if (fault) {
                long n = origin.faultsInjected() - injected;
                notes.put("faults injected", String.valueOf(n));
                notes.put("origin requests", origin.requests().stream().filter(q -> q.path().equals(b.path()))
                        .map(q -> q.method() + (q.range() == null ? "" : " " + q.range())).toList().toString());
                if (n == 0) {
                    v.add("the origin never misbehaved: the run tested nothing");
                }
                if (r.finished() && r.last() != null && r.last().fromOrigin() > 0) {
                    v.add("the supernode gave up and the dfdaemon fetched " + r.last().fromOrigin()
                            + " bytes from the origin itself (back-to-source must retry: spec 8)");
                }
                if (modes.contains(Fault.RESET_MID_BODY) && !modes.contains(Fault.IGNORE_RANGE)
                        && origin.requests().stream().noneMatch(q -> q.path().equals(b.path()) && q.range() != null)) {
                    v.add("no Range request after the reset: back-to-source did not resume");
                }
            }
            return Outcome.of(row, List.of(r), ratio(bed.originBytes(b), b), v, notes);
        } finally {
            origin.faults(prefix, Set.of());
            bed.discard(b);
        }
    }

    /** A URL the origin does not have: the download fails at once (no retries) with the origin's 404. */
    private Outcome originNotFound() throws Exception {
        bed.start(Role.SN, Role.D1);
        Blob real = bed.httpBlob("c7d", MIB);
        String path = FaultBed.prefix(real) + "missing.bin";
        Blob b = new Blob(bed.origin.url(path), real.digest(), real.file(), real.size(), false, path);
        List<String> v = new ArrayList<>();
        Map<String, String> notes = new LinkedHashMap<>();
        try {
            Dfget.Result r = Dfget.download(bed.node(Role.D1), b.url(), b.digest(), b.file(), timeout());
            long gets = bed.origin.getCount(path);
            notes.put("origin GETs", String.valueOf(gets));
            notes.put("error", String.valueOf(r.error()));
            if (gets > 2) {
                v.add(gets + " GETs of a 404: a permanent error must fail at once (at most the supernode's and the"
                        + " dfdaemon's own try)");
            }
            return Outcome.of(FaultCase.C7D, List.of(r), 0, v, notes);
        } finally {
            bed.discard(real);
        }
    }

    /**
     * The origin serves other bytes than the digest names: every dfdaemon's download must fail clearly, none
     * may keep pieces of the task, and no client gets a byte as a finished download.
     */
    private Outcome originLies() throws Exception {
        bed.start(Role.SN, Role.D1, Role.D2);
        Blob served = bed.httpBlob("c7e", bed.settings.blobBytes());
        Path claimedFile = bed.work.resolve("c7e-claimed-" + System.nanoTime());
        OriginServer.writeRandom(claimedFile, served.size());
        Blob b = new Blob(served.url(), Dfget.sha256(claimedFile), claimedFile, served.size(), false, served.path());
        List<String> v = new ArrayList<>();
        Map<String, String> notes = new LinkedHashMap<>();
        try {
            List<Dfget.Result> results = all(List.of(start(Role.D1, b), start(Role.D2, b)));
            notes.put("errors", results.stream().map(Dfget.Result::error).toList().toString());
            for (Role role : List.of(Role.D1, Role.D2)) {
                Path dir = bed.node(role).dataDir().resolve("tasks").resolve(b.taskId());
                boolean gone = FaultBed.await(() -> !Files.exists(dir), Duration.ofSeconds(10));
                if (!gone) {
                    v.add(role + " still holds pieces of the failed task in " + dir);
                }
            }
            return Outcome.of(FaultCase.C7E, results, ratio(bed.originBytes(b), b), v, notes);
        } finally {
            bed.discard(served);
            bed.discard(b);
        }
    }

    /** No supernode answers: the dfdaemon's own fetch meets a 503 and a reset, and must retry and resume. */
    private Outcome fallbackOriginFault(boolean fault) throws Exception {
        bed.start(Role.D9);
        Blob b = bed.httpBlob("c7f", bed.settings.blobBytes());
        String prefix = FaultBed.prefix(b);
        List<String> v = new ArrayList<>();
        Map<String, String> notes = new LinkedHashMap<>();
        try {
            if (fault) {
                bed.origin.faults(prefix, EnumSet.of(Fault.FAIL_EVERY_THIRD, Fault.RESET_MID_BODY));
            }
            long injected = bed.origin.faultsInjected();
            Dfget.Result r = Dfget.download(bed.node(Role.D9), b.url(), b.digest(), b.file(), timeout());
            if (fault) {
                notes.put("faults injected", String.valueOf(bed.origin.faultsInjected() - injected));
                notes.put("origin requests", bed.origin.requests().stream().filter(q -> q.path().equals(b.path()))
                        .map(q -> q.method() + (q.range() == null ? "" : " " + q.range())).toList().toString());
            }
            return Outcome.of(FaultCase.C7F, List.of(r), ratio(bed.originBytes(b), b), v, notes);
        } finally {
            bed.origin.faults(prefix, Set.of());
            bed.discard(b);
        }
    }

    // ---------------------------------------------------------------- 8: disk full

    /**
     * D8's data dir is a tmpfs half the blob's size. A small file downloads; the blob must fail with the
     * data dir's name; nothing may be left looking complete; the small file is still served from the cache.
     */
    private Outcome diskFull() throws Exception {
        if (!Tmpfs.available()) {
            return Outcome.skipped(FaultCase.C8, "needs root (mount -t tmpfs)");
        }
        bed.start(Role.SN, Role.D8);
        DflyNode d8 = bed.node(Role.D8);
        Blob small = bed.httpBlob("c8-small", MIB);
        Blob b = bed.blob("c8");
        List<String> v = new ArrayList<>();
        Map<String, String> notes = new LinkedHashMap<>();
        try {
            Dfget.Result first = Dfget.download(d8, small.url(), small.digest(), small.file(), timeout());
            if (!first.finished()) {
                v.add("the small file did not download before the disk filled: " + first.error());
            }
            Dfget.Result r = Dfget.download(d8, b.url(), b.digest(), b.file(), timeout());
            notes.put("error", String.valueOf(r.error()));
            Path taskDir = d8.dataDir().resolve("tasks").resolve(b.taskId());
            Path meta = taskDir.resolve("meta.properties");
            if (Files.exists(meta)) {
                Properties p = new Properties();
                try (var in = Files.newInputStream(meta)) {
                    p.load(in);
                }
                if ("true".equals(p.getProperty("complete"))) {
                    long len = Files.exists(taskDir.resolve("data")) ? Files.size(taskDir.resolve("data")) : -1;
                    v.add("a partial file is marked complete in " + taskDir + " (" + len + " of " + b.size() + " bytes)");
                }
            }
            long gets = bed.origin.getCount(small.path());
            Dfget.Result again = Dfget.download(d8, small.url(), small.digest(), small.file(), timeout());
            if (!again.finished() || again.corruptBytes() > 0) {
                v.add("the dfdaemon no longer serves what it has: " + again.error());
            } else if (bed.origin.getCount(small.path()) > gets) {
                v.add("the small file was fetched again instead of served from the cache");
            }
            int ready = io.dfly.it.harness.Http.get(d8.baseUrl() + "/health/ready", Map.of()).statusCode();
            notes.put("ready after", String.valueOf(ready));
            if (ready != 200) {
                v.add("/health/ready answered " + ready + " after the disk filled");
            }
            if (again.corruptBytes() > 0) {
                v.add(again.corruptBytes() + " corrupt bytes in the small file served after the disk filled");
            }
            return Outcome.of(FaultCase.C8, List.of(r), ratio(bed.originBytes(b), b), v, notes);
        } finally {
            bed.discard(small);
            bed.discard(b);
        }
    }

    // ---------------------------------------------------------------- 9: supernode unreachable

    /** D9's supernode is a dead port: back to the origin, one WARN line, the fallback metric counts it. */
    private Outcome supernodeUnreachable(boolean fault) throws Exception {
        Role role = fault ? Role.D9 : Role.D1;
        bed.start(fault ? new Role[]{Role.D9} : new Role[]{Role.SN, Role.D1});
        DflyNode d = bed.node(role);
        Blob b = bed.blob("c9");
        List<String> v = new ArrayList<>();
        Map<String, String> notes = new LinkedHashMap<>();
        try {
            long warns = d.logLines("unreachable");
            double fallbacks = metric(d, "dfly_engine_fallbacks_total");
            Dfget.Result r = Dfget.download(d, b.url(), b.digest(), b.file(), timeout());
            if (fault) {
                long lines = d.logLines("unreachable") - warns;
                double counted = metric(d, "dfly_engine_fallbacks_total") - fallbacks;
                notes.put("WARN lines", String.valueOf(lines));
                notes.put("fallbacks counted", String.valueOf((long) counted));
                if (lines != 1) {
                    v.add(lines + " log lines say the supernode is unreachable (want exactly one WARN line)");
                }
                if (!d.log().contains("WARN")) {
                    v.add("no WARNING in the dfdaemon's log");
                }
                if (counted != 1) {
                    v.add("dfly_engine_fallbacks_total rose by " + counted + " (want 1)");
                }
            }
            return Outcome.of(FaultCase.C9, List.of(r), ratio(bed.originBytes(b), b), v, notes);
        } finally {
            bed.discard(b);
        }
    }

    // ---------------------------------------------------------------- 10: load

    /**
     * {@code concurrentRegistrations} registrations at once for URLs whose origin answers 404 after
     * {@link OriginServer#headerDelay}, then {@code tasks} registrations of other 404 URLs (16 at a time),
     * each carrying {@code headerBytes} of origin headers: every one must get a clear answer (404, or 503
     * with Retry-After, which the client honours); peak heap and threads are sampled; then the FAILED tasks
     * must expire after the TTL and heap (after a full GC), threads and the task count fall back to the
     * baseline — taken after one uncounted burst, so that bounded pools that keep idle threads are not
     * mistaken for state that grows (the cold numbers are reported too).
     */
    private Outcome load() throws Exception {
        bed.start(Role.SN);
        DflyNode sn = bed.node(Role.SN);
        List<String> v = new ArrayList<>();
        Map<String, String> notes = new LinkedHashMap<>();
        String tasksGauge = "dfly_supernode_tasks";
        Duration wait = bed.settings.failedTaskTtl().plusSeconds(60);
        PeerApi loader = new PeerApi("load-peer", Duration.ofSeconds(120));

        boundedBodies(sn, v, notes);
        if (!loadWarmedUp) {
            // A first burst grows the bounded pools (Payara's HTTP workers, the origin fetchers) to what a burst
            // needs; they keep idle threads (Payara's idle timeout is 15 min), which is not state that grows.
            // The baseline is taken after it, once its FAILED tasks are gone.
            long coldThreads = sn.threads();
            long coldHeap = sn.heapUsedAfterGc();
            double coldTasks = metric(sn, tasksGauge);
            Answers warm = new Answers();
            burst(loader, sn, "warm-" + System.nanoTime(), load.concurrentRegistrations(), warm);
            FaultBed.await(() -> metric(sn, tasksGauge) <= coldTasks + 10, wait);
            loadWarmedUp = true;
            notes.put("cold (before a first, uncounted burst)", String.format(Locale.ROOT,
                    "threads %d, heap after GC %.1f MiB; the burst: %s", coldThreads, coldHeap / (double) MIB, warm));
            notes.put("n.threadsCold", String.valueOf(coldThreads));
            notes.put("n.heapCold", String.valueOf(coldHeap));
        }
        double tasks0 = metric(sn, tasksGauge);
        long threads0 = sn.threads();
        long heap0 = sn.heapUsedAfterGc();
        notes.put("before", String.format(Locale.ROOT, "tasks %.0f, threads %d, heap after GC %.1f MiB", tasks0, threads0,
                heap0 / (double) MIB));

        String run = "load-" + System.nanoTime();
        Sampler sampler = new Sampler(sn);
        Answers answers = new Answers();
        Answers many = new Answers();
        long t0 = System.nanoTime();
        try {
            // concurrent registrations, all waiting for a slow origin
            burst(loader, sn, run, load.concurrentRegistrations(), answers);
            notes.put("concurrent registrations", load.concurrentRegistrations() + ": " + answers);
            notes.put("concurrent phase (s)", String.format(Locale.ROOT, "%.1f", (System.nanoTime() - t0) / 1e9));

            // many tasks
            ExecutorService pool = Executors.newFixedThreadPool(16);
            List<Future<?>> f = new ArrayList<>();
            for (int i = 0; i < load.tasks(); i++) {
                String url = bed.origin.url("/" + run + "-many/" + i + ".bin");
                f.add(pool.submit(() -> register(loader, sn, url, many)));
            }
            for (Future<?> x : f) {
                x.get(30, TimeUnit.MINUTES);
            }
            pool.shutdown();
            notes.put("task registrations", load.tasks() + ": " + many);
            for (Answers a : List.of(answers, many)) {
                if (a.other.get() > 0 || a.hung.get() > 0) {
                    v.add("registrations without a clear answer: " + a);
                }
            }
        } finally {
            sampler.stop();
        }
        double tasksPeak = metric(sn, tasksGauge);
        long heapPeak = sn.heapUsedAfterGc();
        notes.put("peak", String.format(Locale.ROOT, "tasks %.0f, threads %d, heap %.1f MiB (sampled max), heap after GC %.1f MiB",
                tasksPeak, sampler.threads.get(), sampler.heap.get() / (double) MIB, heapPeak / (double) MIB));
        if (tasksPeak < tasks0 + load.tasks() / 2.0) {
            notes.put("note", "the task gauge did not rise by the tasks registered: FAILED tasks may not be counted");
        }

        // the FAILED tasks expire after the TTL
        long t1 = System.nanoTime();
        boolean fell = FaultBed.await(() -> metric(sn, tasksGauge) <= tasks0 + 10, wait);
        double fellAfter = (System.nanoTime() - t1) / 1e9;
        Thread.sleep(2000); // executors wind down idle threads
        long threadsAfter = sn.threads();
        long heapAfter = sn.heapUsedAfterGc();
        double tasksAfter = metric(sn, tasksGauge);
        notes.put("after TTL", String.format(Locale.ROOT, "tasks %.0f (%s after %.0f s), threads %d, heap after GC %.1f MiB",
                tasksAfter, fell ? "fell back" : "still up", fellAfter, threadsAfter, heapAfter / (double) MIB));
        notes.put("ttl", bed.settings.failedTaskTtl().toSeconds() + " s");
        notes.put("threads after, by name", sn.threadGroups().entrySet().stream().limit(5)
                .map(e -> e.getKey() + " × " + e.getValue()).toList().toString());
        if (!fell) {
            v.add(String.format(Locale.ROOT, "tasks stayed at %.0f (before %.0f) %d s after the FAILED-task TTL",
                    tasksAfter, tasks0, wait.toSeconds()));
        }
        long grown = heapPeak - heap0;
        long kept = heapAfter - heap0;
        if (kept > Math.max(grown / 3, 8 * MIB)) {
            v.add(String.format(Locale.ROOT, "heap after GC kept %.1f of the %.1f MiB the load added",
                    kept / (double) MIB, grown / (double) MIB));
        }
        if (threadsAfter > threads0 + 20) {
            v.add("threads " + threadsAfter + " after the load (before " + threads0 + ")");
        }
        // the raw numbers, for the bench's load table (keys "n.<name>")
        notes.put("n.heap0", String.valueOf(heap0));
        notes.put("n.heapPeakSampled", String.valueOf(sampler.heap.get()));
        notes.put("n.heapPeakAfterGc", String.valueOf(heapPeak));
        notes.put("n.heapAfter", String.valueOf(heapAfter));
        notes.put("n.threads0", String.valueOf(threads0));
        notes.put("n.threadsPeak", String.valueOf(sampler.threads.get()));
        notes.put("n.threadsAfter", String.valueOf(threadsAfter));
        notes.put("n.tasks0", String.valueOf((long) tasks0));
        notes.put("n.tasksPeak", String.valueOf((long) tasksPeak));
        notes.put("n.fellAfterSeconds", String.valueOf(fell ? fellAfter : -1));
        notes.put("n.busy", String.valueOf(answers.busy.get() + many.busy.get()));
        double seconds = (System.nanoTime() - t0) / 1e9;
        return new Outcome(FaultCase.C10, v.isEmpty(), false, answers.hung.get() > 0, 0, 0, seconds, List.copyOf(v),
                notes, null);
    }

    private boolean loadWarmedUp;

    /** {@code n} registrations at once, of URLs whose origin answers 404 after {@link OriginServer#headerDelay}. */
    private void burst(PeerApi loader, DflyNode sn, String run, int n, Answers answers) throws Exception {
        String prefix = "/" + run + "-slow/";
        bed.origin.headerDelay(Duration.ofSeconds(3));
        bed.origin.faults(prefix, EnumSet.of(Fault.SLOW_HEADERS));
        ExecutorService herd = Executors.newFixedThreadPool(n);
        try {
            List<Future<?>> f = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String url = bed.origin.url(prefix + i + ".bin");
                f.add(herd.submit(() -> register(loader, sn, url, answers)));
            }
            for (Future<?> x : f) {
                x.get(10, TimeUnit.MINUTES);
            }
        } finally {
            herd.shutdownNow();
            bed.origin.faults(prefix, Set.of());
        }
    }

    /** Spec 5: an 8 MiB JSON body is refused with 413 before it is parsed (a heartbeat has no body at all). */
    private void boundedBodies(DflyNode sn, List<String> v, Map<String, String> notes) {
        String huge = "{\"url\":\"" + bed.origin.url("/huge") + "\",\"headers\":{\"X-Pad\":\"" + "a".repeat(8 << 20)
                + "\"},\"peerId\":\"load-peer\",\"peerUrl\":\"http://127.0.0.1:1\"}";
        try {
            HttpResponse<String> tooLarge = new PeerApi("load-peer").post(sn.baseUrl() + "/api/v1/tasks", huge);
            notes.put("8 MiB registration", tooLarge.statusCode() + " " + abbreviate(tooLarge.body()));
            if (tooLarge.statusCode() != 413 || !tooLarge.body().contains("too_large")) {
                v.add("an 8 MiB JSON body answered " + tooLarge.statusCode() + " (want 413 {\"error\":\"too_large\"})");
            }
        } catch (IOException e) {
            notes.put("8 MiB registration", e.toString());
            v.add("an 8 MiB JSON body got no answer (" + e + "; want 413 {\"error\":\"too_large\"})");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** How registrations were answered. */
    static final class Answers {
        final AtomicLong notFound = new AtomicLong();
        final AtomicLong busy = new AtomicLong();
        final AtomicLong other = new AtomicLong();
        final AtomicLong hung = new AtomicLong();
        final AtomicReference<String> example = new AtomicReference<>();

        @Override
        public String toString() {
            return "404 " + notFound + ", 503 + Retry-After (retried) " + busy + ", other " + other
                    + (example.get() == null ? "" : " (e.g. " + example.get() + ")") + ", no answer " + hung;
        }
    }

    private static final SplittableRandom PAD = new SplittableRandom();

    /** One registration, retried after each 503 + Retry-After, classified by its final answer. */
    private void register(PeerApi api, DflyNode sn, String url, Answers answers) {
        byte[] pad = new byte[load.headerBytes() * 3 / 4];
        synchronized (PAD) {
            PAD.nextBytes(pad);
        }
        Map<String, String> headers = Map.of("X-Fault-Padding", Base64.getEncoder().encodeToString(pad));
        RegisterRequest req = new RegisterRequest(url, headers, null, null, api.peerId(), "http://127.0.0.1:1");
        for (int attempt = 0; attempt < 120; attempt++) {
            HttpResponse<String> r;
            try {
                r = api.post(sn.baseUrl() + "/api/v1/tasks", req);
            } catch (java.net.http.HttpTimeoutException e) {
                answers.hung.incrementAndGet();
                return;
            } catch (IOException e) {
                answers.other.incrementAndGet();
                answers.example.compareAndSet(null, e.toString());
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (r.statusCode() == 404) {
                answers.notFound.incrementAndGet();
                return;
            }
            var retryAfter = r.headers().firstValue("Retry-After");
            if (r.statusCode() == 503 && retryAfter.isPresent()) {
                answers.busy.incrementAndGet();
                try {
                    Thread.sleep(Math.max(100, Long.parseLong(retryAfter.get().trim()) * 1000));
                } catch (NumberFormatException e) {
                    answers.other.incrementAndGet();
                    return;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                continue;
            }
            answers.other.incrementAndGet();
            answers.example.compareAndSet(null, r.statusCode() + " " + abbreviate(r.body()));
            return;
        }
        answers.hung.incrementAndGet();
    }

    private static String abbreviate(String s) {
        return s == null ? "" : s.length() > 200 ? s.substring(0, 200) + "…" : s;
    }

    /** Samples a node's threads and heap (no GC) every 500 ms, keeping the peaks. */
    private static final class Sampler {
        final LongAccumulator threads = new LongAccumulator(Math::max, 0);
        final LongAccumulator heap = new LongAccumulator(Math::max, 0);
        private final Thread thread;
        private volatile boolean stop;

        Sampler(DflyNode node) {
            thread = new Thread(() -> {
                while (!stop) {
                    try {
                        threads.accumulate(node.threads());
                        heap.accumulate(node.heapUsed());
                        Thread.sleep(500);
                    } catch (InterruptedException e) {
                        return;
                    } catch (RuntimeException e) {
                        // jcmd busy: next sample
                    }
                }
            }, "load-sampler");
            thread.setDaemon(true);
            thread.start();
        }

        void stop() throws InterruptedException {
            stop = true;
            thread.interrupt();
            thread.join(10_000);
        }
    }
}
