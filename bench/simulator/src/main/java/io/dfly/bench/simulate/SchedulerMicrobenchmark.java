package io.dfly.bench.simulate;

import io.dfly.scheduler.PieceScheduler;
import io.dfly.scheduler.RarestFirstScheduler;
import io.dfly.scheduler.SchedulerLimits;
import io.dfly.scheduler.TaskSwarm;

import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Random;

/**
 * A focused timing of {@code schedule()} on a live mid-download swarm, taken from a simulation when
 * half of all bytes have been delivered: warm up, then time many calls for random downloading peers.
 * {@code schedule()} is pure, and this uses its own scheduler and random source, so the simulation
 * it is called from is not disturbed. Also times the other per-pull work the supernode does on the
 * same swarm: {@code expireInFlight} (the supernode's {@code TaskRecord.pull} runs it on every pull)
 * and Java serialization of the whole swarm (what a copy of the task record costs), and counts how
 * busy the peers' uploads are.
 */
public final class SchedulerMicrobenchmark implements Simulation.HalfwayProbe {
    /**
     * @param peers           members in the swarm (seed included)
     * @param downloading     peers still downloading at the snapshot
     * @param inFlight        assignments in flight at the snapshot
     * @param four            {@code schedule(maxPieces = 4)}, wall time per call
     * @param fourCpuMicros   the same calls: thread CPU time per call, µs
     * @param one             {@code schedule(maxPieces = 1)} (the common pull: one piece just landed)
     * @param oneCpuMicros    the same calls: thread CPU time per call, µs
     * @param expireMicros    one full {@code expireInFlight} sweep, µs
     * @param serializedBytes the swarm's Java-serialized size
     * @param serializeMillis time to serialize it once, ms
     * @param uploadLoad      peers by pieces they were uploading at the snapshot (index 0 .. upload limit)
     * @param meanPiecesHeld  pieces a peer held on average at the snapshot
     */
    public record Result(int peers, int pieceCount, int downloading, int inFlight, DecisionStats four,
                         double fourCpuMicros, DecisionStats one, double oneCpuMicros, double expireMicros, long serializedBytes, double serializeMillis, int[] uploadLoad,
                         double meanPiecesHeld) {
    }

    private final int warmupCalls;
    private final int measuredCalls;
    private Result result;

    public SchedulerMicrobenchmark(int warmupCalls, int measuredCalls) {
        this.warmupCalls = warmupCalls;
        this.measuredCalls = measuredCalls;
    }

    public Result result() {
        return result;
    }

    @Override
    public void atHalfway(TaskSwarm swarm, List<String> downloadingPeers, SchedulerLimits limits, long nowMillis) {
        if (downloadingPeers.isEmpty()) {
            return;
        }
        PieceScheduler scheduler = new RarestFirstScheduler(limits, new Random(7));
        Random pick = new Random(11);
        String[] ids = downloadingPeers.toArray(String[]::new);
        long sink = 0;
        for (int i = 0; i < warmupCalls; i++) {
            sink += scheduler.schedule(swarm, ids[pick.nextInt(ids.length)], 1 + (i & 3), nowMillis).size();
        }
        java.lang.management.ThreadMXBean cpu = java.lang.management.ManagementFactory.getThreadMXBean();
        DecisionStats four = new DecisionStats();
        DecisionStats one = new DecisionStats();
        double[] cpuMicros = new double[2];
        for (int round = 0; round < 2; round++) {
            int max = round == 0 ? 4 : 1;
            DecisionStats stats = round == 0 ? four : one;
            long c0 = cpu.getCurrentThreadCpuTime();
            for (int i = 0; i < measuredCalls / 2; i++) {
                String id = ids[pick.nextInt(ids.length)];
                long t0 = System.nanoTime();
                sink += scheduler.schedule(swarm, id, max, nowMillis).size();
                stats.add(System.nanoTime() - t0);
            }
            cpuMicros[round] = (cpu.getCurrentThreadCpuTime() - c0) / 1000.0 / (measuredCalls / 2);
        }
        // a full sweep: expireInFlight sweeps at most once a second, so step the clock; an endless timeout
        // keeps every assignment (a pure scan); the run's next pull sweeps once more and carries on
        int rounds = 200;
        long never = Long.MAX_VALUE / 4;
        for (int i = 0; i < rounds; i++) {
            swarm.expireInFlight(nowMillis + 1_001L * (i + 1), never);
        }
        long e0 = System.nanoTime();
        for (int i = 0; i < rounds; i++) {
            swarm.expireInFlight(nowMillis + 1_001L * (rounds + i + 1), never);
        }
        double expireMicros = (System.nanoTime() - e0) / 1000.0 / rounds;
        int[] uploadLoad = new int[limits.peerUploadLimit() + 1];
        long held = 0;
        int members = 0;
        for (io.dfly.scheduler.PeerState p : swarm.peers()) {
            if (!p.isSupernode()) {
                uploadLoad[Math.min(p.uploading(), uploadLoad.length - 1)]++;
                held += p.pieceCount();
                members++;
            }
        }
        long size = 0;
        double serializeMillis = 0;
        for (int i = 0; i < 5; i++) {
            CountingStream out = new CountingStream();
            long s0 = System.nanoTime();
            try (ObjectOutputStream oos = new ObjectOutputStream(out)) {
                oos.writeObject(swarm);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            serializeMillis = (System.nanoTime() - s0) / 1e6; // the last (warm) round counts
            size = out.count;
        }
        if (sink == 42) {
            System.out.print("");
        }
        result = new Result(swarm.peers().size(), swarm.pieceCount(), ids.length, swarm.inFlightCount(), four,
                cpuMicros[0], one, cpuMicros[1], expireMicros, size, serializeMillis, uploadLoad,
                members == 0 ? 0 : (double) held / members);
    }

    private static final class CountingStream extends OutputStream {
        long count;

        @Override
        public void write(int b) {
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            count += len;
        }
    }
}
