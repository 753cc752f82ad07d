package io.dfly.bench.simulate;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Small runs only, and no wall-clock assertions: correctness of the model, not speed. */
class SimulationTest {
    private static final long FILE = 100L * SimulationConfig.MIB; // 25 pieces of 4 MiB

    @Test
    void twoPeersFinishAndBytesAreConserved() {
        SimulationConfig c = SimulationConfig.defaults(2).withFileBytes(FILE);
        Simulation sim = new Simulation(c, null);
        SimulationResult r = sim.run();
        assertEquals(25, r.pieceCount());
        assertEquals(2 * FILE, r.seedBytes() + r.peerBytes());
        for (long b : sim.bytesReceived()) {
            assertEquals(FILE, b);
        }
        assertTrue(r.seedBytes() >= FILE, "every piece leaves the seed at least once");
        assertTrue(r.max() >= r.lowerBound() - 1e-9, "no run beats T*");
    }

    @Test
    void tenPeersFinishAboveTheLowerBoundAndPeersServe() {
        SimulationConfig c = SimulationConfig.defaults(10).withFileBytes(FILE);
        SimulationResult r = new Simulation(c, null).run();
        assertEquals(10 * FILE, r.seedBytes() + r.peerBytes());
        assertTrue(r.percentile(50) >= r.lowerBound() - 1e-9);
        assertTrue(r.peerBytes() > 0, "peers serve each other");
        assertEquals(0, r.expiredAssignments());
    }

    @Test
    void sameSeedSameRun() {
        SimulationConfig c = SimulationConfig.defaults(10).withFileBytes(FILE);
        SimulationResult a = new Simulation(c, null).run();
        SimulationResult b = new Simulation(c, null).run();
        assertArrayEquals(a.downloadSeconds(), b.downloadSeconds());
        assertEquals(a.seedBytes(), b.seedBytes());
        assertEquals(a.scheduleCalls(), b.scheduleCalls());
    }

    @Test
    void holdModelHoldsPullsAndReRunsThemOnWakeUps() {
        SimulationConfig c = SimulationConfig.defaults(50).withFileBytes(FILE);
        assertEquals(SimulationConfig.WaitModel.HOLD, c.waitModel(), "the supernode holds pulls now");
        assertEquals(c.peerUploadLimit() + 1, c.wakeOnReport(), "peer-upload-limit + 1, as TaskService.wakeOnReport");
        Simulation sim = new Simulation(c, null);
        SimulationResult r = sim.run();
        assertEquals(50 * FILE, r.seedBytes() + r.peerBytes());
        for (long b : sim.bytesReceived()) {
            assertEquals(FILE, b);
        }
        assertTrue(r.percentile(50) >= r.lowerBound() - 1e-9);
        assertTrue(r.holds() > 0, "a herd's pulls are held at the start");
        assertTrue(r.heldReruns() > 0, "held pulls are re-run when woken");
        assertTrue(r.heldReruns() <= r.scheduleCalls(), "re-runs are counted as decisions");
        assertTrue(r.emptyDecisions() >= r.holds(), "every hold started with an empty decision");
        assertTrue(r.holdsExpired() <= r.holds());
        assertEquals(0, r.expiredAssignments());

        SimulationResult poll = new Simulation(c.withWaitModel(SimulationConfig.WaitModel.POLL), null).run();
        assertEquals(0, poll.holds());
        assertEquals(0, poll.heldReruns());
        assertEquals(50 * FILE, poll.seedBytes() + poll.peerBytes());
        // woken at once instead of re-asking on a 200 ms beat: no slower
        assertTrue(r.percentile(50) <= poll.percentile(50) + 1e-9,
                "hold p50 " + r.percentile(50) + " vs poll " + poll.percentile(50));
    }

    @Test
    void holdModelIsDeterministic() {
        SimulationConfig c = SimulationConfig.defaults(20).withFileBytes(FILE);
        SimulationResult a = new Simulation(c, null).run();
        SimulationResult b = new Simulation(c, null).run();
        assertArrayEquals(a.downloadSeconds(), b.downloadSeconds());
        assertEquals(a.heldReruns(), b.heldReruns());
    }

    @Test
    void lowerBoundIsTheLargestOfTheThreeTerms() {
        double mb = SimulationConfig.MB;
        // seed-bound: S/u_s = 10 s
        assertEquals(10.0, LowerBound.seconds(1_000_000_000L, 100 * mb, new double[]{1e12}, new double[]{1e12}), 1e-9);
        // download-bound: S/min d = 20 s
        assertEquals(20.0, LowerBound.seconds(1_000_000_000L, 1e12, new double[]{1e12, 1e12}, new double[]{50 * mb, 1e12}), 1e-9);
        // capacity-bound: N·S/(u_s+Σu) = 4·1e9/(100+4·0) MB/s = 40 s
        assertEquals(40.0, LowerBound.seconds(1_000_000_000L, 100 * mb, new double[4], new double[]{1e12, 1e12, 1e12, 1e12}), 1e-9);
    }

    @Test
    void fluidModelSharesTheSourceUpload() {
        double[] up = {100, 1000, 1000};
        double[] down = {1, 1000, 1000};
        double[] finish = new double[8];
        FluidBandwidthModel m = new FluidBandwidthModel(up, down, (t, v, at) -> finish[t] = at);
        int a = m.start(0, 1, 0, 100, 0);
        assertEquals(1.0, finish[a], 1e-12);
        int b = m.start(0, 2, 1, 100, 0.5); // a has 50 left, both now at 50/s
        assertEquals(1.5, finish[a], 1e-12);
        assertEquals(2.5, finish[b], 1e-12);
        m.finish(a, 1.5); // b has 50 left, back to 100/s
        assertEquals(2.0, finish[b], 1e-12);
    }

    @Test
    void supernodeLimitsAreMatchedSlots() {
        // the what-if of one slot each (the default until the simulator modelled the shipped 3)
        SimulationConfig d = SimulationConfig.defaults(20).withFileBytes(FILE);
        SimulationConfig c = new SimulationConfig(d.fileBytes(), d.peers(), d.seedUpload(), d.peerUpload(),
                d.peerDownload(), d.parallelism(), 1, d.seedUploadLimit(), d.pollMillis(), d.heartbeatMillis(),
                d.arrivalSpreadMillis(), d.randomSeed(), d.waitModel(), d.holdMillis(), d.startersFirst(), 0);
        assertEquals(c.peerUploadLimit(), c.limits().peerFetchLimit(), "the supernode's fetch limit is its peer-upload-limit");
        assertTrue(c.parallelism() > c.peerUploadLimit(), "the engine asks for more than it is given");
        SimulationResult r = new Simulation(c, null).run();
        assertEquals(20 * FILE, r.seedBytes() + r.peerBytes());
        assertTrue(r.maxSeedUploads() <= c.peerUploadLimit(), "seed uploads at once: " + r.maxSeedUploads());
        assertTrue(r.meanDownloadsInFlight() <= c.peerUploadLimit() + 1e-9, "in flight per peer: " + r.meanDownloadsInFlight());
    }

    @Test
    void theDefaultsAreTheSupernodesAndRunOneFullRateTransferPerEnd() {
        SimulationConfig c = SimulationConfig.defaults(20).withFileBytes(FILE);
        assertEquals(3, c.peerUploadLimit(), "peer-upload-limit as the supernode ships it");
        assertEquals(io.dfly.scheduler.SchedulerLimits.DEFAULT_FLOW_MILLIS, c.limits().flowMillis(),
                "full-rate transfers as SupernodeRuntime sets them");
        assertEquals(c.peerUploadLimit(), c.limits().peerFetchLimit());
        SimulationResult r = new Simulation(c, null).run();
        assertEquals(20 * FILE, r.seedBytes() + r.peerBytes());
        assertEquals(1, r.maxSeedUploads(), "nothing stalls here: the seed's one flowing upload at a time");
        assertTrue(r.meanDownloadsInFlight() <= 1 + 1e-9, "in flight per peer: " + r.meanDownloadsInFlight());
        SimulationResult off = new Simulation(c.withFlowMillis(0), null).run();
        assertTrue(off.meanDownloadsInFlight() > 1, "off: every slot at once: " + off.meanDownloadsInFlight());
    }
}
