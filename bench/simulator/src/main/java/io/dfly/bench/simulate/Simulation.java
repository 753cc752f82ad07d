package io.dfly.bench.simulate;

import io.dfly.core.piece.PieceSizeRule;
import io.dfly.scheduler.Assignment;
import io.dfly.scheduler.PieceScheduler;
import io.dfly.scheduler.RarestFirstScheduler;
import io.dfly.scheduler.SchedulerLimits;
import io.dfly.scheduler.TaskSwarm;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.IntUnaryOperator;

/**
 * Discrete-event simulation of one task: the supernode's CDN copy (node 0, holding the whole file) and
 * N peers, scheduled by the real {@link RarestFirstScheduler} over a real {@link TaskSwarm}, driven
 * the way the supernode and dfdaemon drive them:
 * <ul>
 *   <li>a peer pulls with its free slots (parallelism − in flight): the supernode (which no longer
 *       trusts the pull's {@code have}: a peer holds what it reported for an assignment) drops gone peers
 *       ({@code dropGone}), sweeps expired assignments ({@code expireInFlight}, both running at most once
 *       a second), calls {@code schedule}, records each assignment;</li>
 *   <li>ASSIGNED with slots still free: the engine pulls again at once;</li>
 *   <li>a pull that finds nothing, {@link SimulationConfig.WaitModel#HOLD} (the supernode now,
 *       {@code TaskService.pullHeld} with {@code TaskSignals}): the pull is held up to {@code holdMillis}
 *       (500 ms). A held pull is armed in the task's wake list (arm order); it is re-run (a real
 *       {@code schedule()} call, with the pull's own maxPieces) when woken, and once more when the hold
 *       ends. A successful report wakes the reporter's own held pull plus the {@code peer-upload-limit + 1}
 *       longest-armed others ({@code TaskService.wakeOnReport}); a join wakes the same number. A woken
 *       re-run that still finds nothing is armed again at the back of the list. ASSIGNED ends the hold;
 *       nothing at the end of the hold answers WAIT with {@code waitMillis} 10 and the engine asks again
 *       10 ms later, or as soon as one of its own pieces lands. While its pull is held the engine's loop
 *       is blocked in it: its landed pieces are reported (which wakes the hold) but start no new pull.
 *       The CDN copy holds the whole file from t = 0, so the supernode's "piece published, wake
 *       everyone" never fires here;</li>
 *   <li>{@link SimulationConfig.WaitModel#POLL} (the old supernode): WAIT at once, and the engine pulls
 *       again after {@code pollMillis} or as soon as one of its own pieces lands, whichever is first;</li>
 *   <li>a landed piece is reported (success) and makes the peer a source at once, then the peer pulls
 *       (unless its pull is held);</li>
 *   <li>heartbeats every {@code heartbeatMillis} keep every peer a live source.</li>
 * </ul>
 * Zero network latency: a pull, a report and a piece request take no time, only bytes do.
 */
public final class Simulation {
    /** Called once when half of all bytes have been delivered (a realistic mid-download state). */
    public interface HalfwayProbe {
        void atHalfway(TaskSwarm swarm, List<String> downloadingPeers, SchedulerLimits limits, long nowMillis);
    }

    /**
     * Makes the policy under test. The default is the supernode's {@link RarestFirstScheduler}; a
     * what-if policy may also read how many copies of each piece are in flight right now.
     */
    public interface SchedulerFactory {
        PieceScheduler create(SchedulerLimits limits, Random random, IntUnaryOperator copiesInFlight);
    }

    public static final SchedulerFactory REAL_POLICY = (limits, random, inFlight) -> new RarestFirstScheduler(limits, random);

    private static final int ARRIVE = 0;
    private static final int PULL = 1;
    private static final int DONE = 2;
    private static final int HEARTBEAT = 3;
    private static final int SAMPLE = 4;
    private static final int HOLD_END = 5;
    private static final int RERUN = 6;
    private static final String SEED_ID = "supernode-cdn";

    private final SimulationConfig config;
    private final HalfwayProbe probe;
    private final EventQueue queue = new EventQueue();
    private final TaskSwarm swarm;
    private final PieceScheduler scheduler;
    private final SimulatedPeer[] peers;
    private final Map<String, Integer> nodeById = new HashMap<>();
    private final FluidBandwidthModel bandwidth;
    /** Where in its last quarter each hold ends, as TaskService does. */
    private final Random holdJitter;
    private final int pieceSize;
    private final int pieceCount;
    private final long totalBytes;

    private final DecisionStats scheduleStats = new DecisionStats();
    private final java.lang.management.ThreadMXBean cpu = java.lang.management.ManagementFactory.getThreadMXBean();
    private long scheduleCpuNanos;
    private long waitCpuNanos;
    private long pullCpuNanos;
    private final List<TimelineSample> timeline = new java.util.ArrayList<>();
    private long callsSinceSample;
    private long waitsSinceSample;
    /** Start time of each live transfer (by model id), and the sums for the utilisation figures. */
    private double[] transferStart = new double[1024];
    private double transferSeconds;
    /** Per piece: peers holding it, and transfers of it in flight (the sim's own bookkeeping). */
    private final int[] peerCopies;
    private final int[] copiesInFlight;
    private int piecesInSwarm;
    private double fullCopyAt = -1;
    private long seedPiecesUnique;
    private long seedPiecesDuplicate;
    private int[] callsPerSecond = new int[64];
    private long emptyDecisions;
    private long heldReruns;
    private long holds;
    private long holdsExpired;
    /** Hold model: the task's wake list (TaskSignals' LinkedHashSet of waiters, in arm order), by peer index. */
    private int waitHead = -1;
    private int waitTail = -1;
    private long seedBytes;
    private long peerBytes;
    private long expired;
    private int maxSeedUploads;
    private long events;
    private int donePeers;
    private boolean probed;

    public Simulation(SimulationConfig config, HalfwayProbe probe) {
        this(config, probe, REAL_POLICY);
    }

    public Simulation(SimulationConfig config, HalfwayProbe probe, SchedulerFactory policy) {
        if (config.peers() < 1) {
            throw new IllegalArgumentException("at least one peer");
        }
        this.config = config;
        this.probe = probe;
        Random random = new Random(config.randomSeed());
        this.pieceSize = PieceSizeRule.pieceSize(config.fileBytes());
        this.pieceCount = PieceSizeRule.pieceCount(config.fileBytes(), pieceSize);
        this.totalBytes = config.fileBytes() * config.peers();
        this.peerCopies = new int[pieceCount];
        this.copiesInFlight = new int[pieceCount];
        this.swarm = new TaskSwarm("sim", pieceSize);
        swarm.setContentLength(config.fileBytes());
        swarm.join(SEED_ID, "http://cdn", true, 0);
        for (int n = 0; n < pieceCount; n++) {
            swarm.publishDigest(n, "sha256:" + n);
            swarm.addPiece(SEED_ID, n);
        }
        nodeById.put(SEED_ID, 0);
        this.scheduler = policy.create(config.limits(), new Random(random.nextLong()), piece -> copiesInFlight[piece]);
        int n = config.peers();
        double[] up = new double[n + 1];
        double[] down = new double[n + 1];
        up[0] = config.seedUpload();
        down[0] = 1; // the seed never downloads
        peers = new SimulatedPeer[n];
        Random arrivals = new Random(random.nextLong());
        this.holdJitter = new Random(random.nextLong());
        for (int i = 0; i < n; i++) {
            double at = config.arrivalSpreadMillis() <= 0 ? 0 : arrivals.nextDouble() * config.arrivalSpreadMillis() / 1000.0;
            peers[i] = new SimulatedPeer(i + 1, "peer-" + i, at);
            nodeById.put(peers[i].id, i + 1);
            up[i + 1] = config.peerUpload();
            down[i + 1] = config.peerDownload();
            queue.push(at, ARRIVE, i, 0);
        }
        bandwidth = new FluidBandwidthModel(up, down, (t, v, at) -> queue.push(at, DONE, t, v));
        queue.push(config.heartbeatMillis() / 1000.0, HEARTBEAT, 0, 0);
        queue.push(0, SAMPLE, 0, 0);
    }

    public SimulationResult run() {
        long wallStart = System.nanoTime();
        double now = 0;
        while (donePeers < peers.length && !queue.isEmpty()) {
            queue.pop();
            now = queue.time();
            events++;
            switch (queue.kind()) {
                case ARRIVE -> arrive(peers[queue.subject()], now);
                case PULL -> {
                    SimulatedPeer p = peers[queue.subject()];
                    if (p.pullVersion == queue.version()) {
                        p.pullQueuedAt = -1;
                        pull(p, now);
                    }
                }
                case DONE -> {
                    if (bandwidth.isCurrent(queue.subject(), queue.version())) {
                        landed(queue.subject(), now);
                    }
                }
                case HEARTBEAT -> {
                    long ms = millis(now);
                    for (SimulatedPeer p : peers) {
                        if (p.arrival <= now) {
                            swarm.touch(p.id, ms);
                        }
                    }
                    queue.push(now + config.heartbeatMillis() / 1000.0, HEARTBEAT, 0, 0);
                }
                case HOLD_END -> {
                    SimulatedPeer p = peers[queue.subject()];
                    // the hold's timeout fires its waiter; a waiter already taken by a wake-up has a re-run pending
                    if (p.holding && p.holdVersion == queue.version() && p.armed) {
                        disarm(p);
                        attempt(p, now);
                    }
                }
                case RERUN -> {
                    SimulatedPeer p = peers[queue.subject()];
                    if (p.holding && p.holdVersion == queue.version()) {
                        attempt(p, now);
                    }
                }
                case SAMPLE -> {
                    sample(now);
                    queue.push(now + 1.0, SAMPLE, 0, 0);
                }
                default -> throw new IllegalStateException("event kind " + queue.kind());
            }
        }
        sample(now);
        if (donePeers < peers.length) {
            throw new IllegalStateException("simulation stalled with " + (peers.length - donePeers) + " peers unfinished");
        }
        double[] times = new double[peers.length];
        for (int i = 0; i < peers.length; i++) {
            times[i] = peers[i].downloadSeconds();
        }
        double[] up = new double[peers.length];
        double[] down = new double[peers.length];
        Arrays.fill(up, config.peerUpload());
        Arrays.fill(down, config.peerDownload());
        int seconds = (int) Math.ceil(now);
        int peak = 0;
        for (int i = 0; i < Math.min(callsPerSecond.length, seconds + 1); i++) {
            peak = Math.max(peak, callsPerSecond[i]);
        }
        return new SimulationResult(config, pieceSize, pieceCount,
                LowerBound.seconds(config.fileBytes(), config.seedUpload(), up, down), times, now,
                seedBytes, peerBytes, scheduleStats, scheduleCpuNanos / 1000.0 / Math.max(1, scheduleStats.count()),
                waitCpuNanos / 1000.0 / Math.max(1, emptyDecisions), transferSeconds,
                pullCpuNanos / 1000.0 / Math.max(1, scheduleStats.count()), emptyDecisions, peak, expired, maxSeedUploads, seedPiecesUnique, seedPiecesDuplicate,
                fullCopyAt, List.copyOf(timeline), events, (System.nanoTime() - wallStart) / 1e9, heldReruns, holds,
                holdsExpired);
    }

    private void arrive(SimulatedPeer p, double now) {
        swarm.join(p.id, "http://" + p.id, false, millis(now));
        if (config.waitModel() == SimulationConfig.WaitModel.HOLD) {
            signal(p, config.wakeOnReport()); // TaskService.register wakes like a successful report
        }
        pull(p, now);
    }

    /** What the engine's download loop and the supernode's pull handler do together. */
    private void pull(SimulatedPeer p, double now) {
        if (p.done()) {
            return;
        }
        int free = config.parallelism() - p.inFlight;
        if (free <= 0) {
            return; // the engine waits for one of its pieces to land
        }
        if (p.holding) {
            return; // its loop is blocked in the held pull
        }
        boolean hold = config.waitModel() == SimulationConfig.WaitModel.HOLD;
        if (hold) {
            arm(p); // armed before the pull runs, as TaskService.Hold.attempt does
        }
        List<Assignment> decided = decide(p, free, now);
        if (decided.isEmpty()) {
            if (hold) {
                holds++;
                p.holding = true;
                p.holdVersion++;
                p.holdMax = free;
                // TaskService ends a hold at random in its last quarter (3/4 to all of holdMillis)
                p.holdDeadline = now + config.holdMillis() * (1 - holdJitter.nextDouble() / 4) / 1000.0;
                queue.push(p.holdDeadline, HOLD_END, p.node - 1, p.holdVersion);
            } else {
                queuePull(p, now + config.pollMillis() / 1000.0);
            }
            return;
        }
        if (hold) {
            disarm(p);
        }
        start(p, decided, now);
    }

    /**
     * One try of a held pull ({@code TaskService.Hold.attempt}): armed again at the back of the wake list,
     * run with the pull's own maxPieces; ASSIGNED or the hold's end answers, otherwise it stays held.
     */
    private void attempt(SimulatedPeer p, double now) {
        arm(p);
        if (p.done()) {
            end(p); // TaskRecord.pull answers DONE before scheduling
            return;
        }
        heldReruns++;
        List<Assignment> decided = decide(p, p.holdMax, now);
        if (!decided.isEmpty()) {
            end(p);
            start(p, decided, now);
        } else if (now >= p.holdDeadline) {
            end(p);
            holdsExpired++;
            // WAIT with waitMillis 10: the engine asks again then, or when one of its pieces lands
            queuePull(p, now + SimulationConfig.HELD_WAIT_MILLIS / 1000.0);
        }
    }

    private void end(SimulatedPeer p) {
        disarm(p);
        p.holding = false;
        p.holdVersion++;
    }

    /**
     * {@code TaskSignals.signal(task, peer, others)}: takes the peer's own waiter and at most
     * {@code others} more, the longest armed first, and re-runs each (in the list's order).
     */
    private void signal(SimulatedPeer p, int others) {
        int left = others;
        boolean own = p.armed;
        for (int i = waitHead; i >= 0 && (left > 0 || own); ) {
            SimulatedPeer w = peers[i];
            i = w.waitNext;
            if (w == p) {
                own = false;
                wake(w);
            } else if (left > 0) {
                left--;
                wake(w);
            } else if (own) {
                // the rest are not woken; the peer's own waiter is further down the list
                wake(p);
                own = false;
            }
        }
    }

    private void wake(SimulatedPeer w) {
        disarm(w);
        queue.push(queue.time(), RERUN, w.node - 1, w.holdVersion);
    }

    private void arm(SimulatedPeer p) {
        if (p.armed) {
            disarm(p);
        }
        int i = p.node - 1;
        p.armed = true;
        p.waitPrev = waitTail;
        p.waitNext = -1;
        if (waitTail >= 0) {
            peers[waitTail].waitNext = i;
        } else {
            waitHead = i;
        }
        waitTail = i;
    }

    private void disarm(SimulatedPeer p) {
        if (!p.armed) {
            return;
        }
        if (p.waitPrev >= 0) {
            peers[p.waitPrev].waitNext = p.waitNext;
        } else {
            waitHead = p.waitNext;
        }
        if (p.waitNext >= 0) {
            peers[p.waitNext].waitPrev = p.waitPrev;
        } else {
            waitTail = p.waitPrev;
        }
        p.armed = false;
        p.waitPrev = -1;
        p.waitNext = -1;
    }

    /** What the supernode does for one pull (or held re-run): touch, drop gone peers, expire, schedule, record. */
    private List<Assignment> decide(SimulatedPeer p, int free, double now) {
        long ms = millis(now);
        long c0 = cpu.getCurrentThreadCpuTime();
        swarm.touch(p.id, ms);
        swarm.dropGone(ms, 2 * config.limits().peerTimeoutMillis());
        int before = swarm.inFlightCount();
        swarm.expireInFlight(ms, config.limits().inFlightTimeoutMillis());
        expired += before - swarm.inFlightCount();
        long c1 = cpu.getCurrentThreadCpuTime();
        long t1 = System.nanoTime();
        List<Assignment> decided = scheduler.schedule(swarm, p.id, free, ms);
        long t2 = System.nanoTime();
        long c2 = cpu.getCurrentThreadCpuTime();
        for (Assignment a : decided) {
            swarm.recordAssignment(p.id, a, ms);
        }
        pullCpuNanos += cpu.getCurrentThreadCpuTime() - c0;
        long spent = c2 - c1;
        scheduleCpuNanos += spent;
        if (decided.isEmpty()) {
            waitCpuNanos += spent;
        }
        scheduleStats.add(t2 - t1);
        countCall(now);
        callsSinceSample++;
        if (decided.isEmpty()) {
            emptyDecisions++;
            waitsSinceSample++;
        }
        return decided;
    }

    /** The engine starts the assigned pieces; with slots still free its loop pulls again at once. */
    private void start(SimulatedPeer p, List<Assignment> decided, double now) {
        for (Assignment a : decided) {
            int source = nodeById.get(a.sourcePeerId());
            long length = PieceSizeRule.pieceLength(config.fileBytes(), pieceSize, a.pieceNum());
            if (source == 0) {
                if (peerCopies[a.pieceNum()] + copiesInFlight[a.pieceNum()] == 0) {
                    seedPiecesUnique++;
                } else {
                    seedPiecesDuplicate++;
                }
            }
            copiesInFlight[a.pieceNum()]++;
            int id = bandwidth.start(source, p.node, a.pieceNum(), length, now);
            if (id >= transferStart.length) {
                transferStart = Arrays.copyOf(transferStart, Math.max(id + 1, transferStart.length * 2));
            }
            transferStart[id] = now;
            p.inFlight++;
        }
        maxSeedUploads = Math.max(maxSeedUploads, bandwidth.uploads(0));
        if (p.inFlight < config.parallelism()) {
            queuePull(p, now); // ASSIGNED with slots left: the engine's loop asks again at once
        }
    }

    private void landed(int transfer, double now) {
        transferSeconds += now - transferStart[transfer];
        bandwidth.finish(transfer, now);
        int source = bandwidth.source(transfer);
        SimulatedPeer p = peers[bandwidth.destination(transfer) - 1];
        int piece = bandwidth.piece(transfer);
        long length = bandwidth.bytes(transfer);
        String sourceId = source == 0 ? SEED_ID : peers[source - 1].id;
        p.inFlight--;
        p.have.set(piece);
        copiesInFlight[piece]--;
        if (peerCopies[piece]++ == 0 && ++piecesInSwarm == pieceCount) {
            fullCopyAt = now;
        }
        if (source == 0) {
            seedBytes += length;
            p.bytesFromSeed += length;
        } else {
            peerBytes += length;
            p.bytesFromPeers += length;
        }
        boolean complete = p.have.cardinality() == pieceCount;
        if (complete) {
            p.completedAt = now;
            donePeers++;
        } else if (!p.holding) {
            queuePull(p, now); // wake: the engine's loop pulls right after a piece lands
        }
        swarm.report(p.id, piece, sourceId, true, millis(now));
        if (config.waitModel() == SimulationConfig.WaitModel.HOLD) {
            // the reporter is a source of the piece now, and its source has a free slot again
            signal(p, config.wakeOnReport());
        }
        if (!probed && probe != null && (seedBytes + peerBytes) * 2 >= totalBytes) {
            probed = true;
            probe.atHalfway(swarm, downloadingPeers(now), config.limits(), millis(now));
        }
    }

    private void sample(double now) {
        int downloading = 0;
        for (SimulatedPeer p : peers) {
            if (!p.done() && p.arrival <= now) {
                downloading++;
            }
        }
        timeline.add(new TimelineSample(now, (seedBytes + peerBytes) / (double) totalBytes, donePeers, downloading,
                bandwidth.activeTransfers() - bandwidth.uploads(0), bandwidth.uploads(0), piecesInSwarm,
                callsSinceSample, waitsSinceSample));
        callsSinceSample = 0;
        waitsSinceSample = 0;
    }

    /** Queues the peer's next pull at {@code at}, superseding a later one; never two at one instant. */
    private void queuePull(SimulatedPeer p, double at) {
        if (p.pullQueuedAt >= 0 && p.pullQueuedAt <= at) {
            return;
        }
        p.pullVersion++;
        p.pullQueuedAt = at;
        queue.push(at, PULL, p.node - 1, p.pullVersion);
    }

    private List<String> downloadingPeers(double now) {
        return Arrays.stream(peers).filter(p -> !p.done() && p.arrival <= now).map(p -> p.id).toList();
    }

    private void countCall(double now) {
        int s = (int) now;
        if (s >= callsPerSecond.length) {
            callsPerSecond = Arrays.copyOf(callsPerSecond, Math.max(s + 1, callsPerSecond.length * 2));
        }
        callsPerSecond[s]++;
    }

    private static long millis(double seconds) {
        return (long) (seconds * 1000);
    }

    /** For tests: bytes each peer received, seed and peers. */
    long[] bytesReceived() {
        long[] out = new long[peers.length];
        for (int i = 0; i < peers.length; i++) {
            out[i] = peers[i].bytesFromSeed + peers[i].bytesFromPeers;
        }
        return out;
    }
}
