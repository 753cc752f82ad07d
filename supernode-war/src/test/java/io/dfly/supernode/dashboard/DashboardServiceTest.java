package io.dfly.supernode.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hazelcast.core.HazelcastInstance;
import io.dfly.core.config.Settings;
import io.dfly.core.piece.PieceSizeRule;
import io.dfly.core.security.SafeUrls;
import io.dfly.scheduler.RarestFirstScheduler;
import io.dfly.scheduler.SchedulerLimits;
import io.dfly.supernode.TestSecrets;
import io.dfly.supernode.cluster.ClusterMember;
import io.dfly.supernode.cluster.HazelcastTaskStore;
import io.dfly.supernode.config.SupernodeSettings;
import io.dfly.supernode.task.GridSeal;
import io.dfly.supernode.task.LocalTaskStore;
import io.dfly.supernode.task.TaskAction.Result;
import io.dfly.supernode.task.TaskRecord;
import java.io.ByteArrayOutputStream;
import java.io.ObjectOutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DashboardServiceTest {
    private static final long MIB = PieceSizeRule.MIB;
    private static final String SIGNED = "http://origin.example:8080/files/big.bin?Signature=s3cr3t-sig&Expires=99";
    @TempDir
    Path dataDir;
    private final LocalTaskStore store = new LocalTaskStore();
    private final AtomicLong clock = new AtomicLong(1_000_000);
    private final RarestFirstScheduler scheduler = new RarestFirstScheduler(SchedulerLimits.defaults(), new Random(1));
    private final GridSeal seal = new GridSeal(TestSecrets.SECRET);
    private final DashboardService dashboard = new DashboardService(store,
            () -> List.of(new Dashboard.Member("m-2", "10.0.0.2:5701", false), new Dashboard.Member("m-1", "10.0.0.1:5701", true)),
            () -> new Dashboard.MemberCounters(12 * MIB, 8 * MIB, 1, 2, 0), "m-1", 30_000, clock::get);

    /** A running task fetched from {@code url} (sealed as the grid keeps it), {@code length} bytes, seeded by member m-1. */
    private TaskRecord task(String id, String url, long length) {
        TaskRecord r = new TaskRecord(id, seal.sealUrl(url, id), "key", SafeUrls.display(url), null, "m-1", clock.get());
        r.originAnswered(length, "m-1", "supernode:10.0.0.1:8002", "http://10.0.0.1:8002", clock.get());
        return r;
    }

    private void put(TaskRecord r) {
        store.update(r.taskId(), old -> Result.of(r, null));
    }

    /** {@code peer} is given its next piece and reports on it; returns the source it was given. */
    private String fetchOne(TaskRecord r, String peer, boolean success) {
        TaskRecord.Piece p = r.pull(peer, 1, scheduler, 60_000, 60_000, clock.get()).pieces().get(0);
        r.report(peer, p.pieceNum(), p.sourcePeerId(), success, clock.get());
        return p.sourcePeerId();
    }

    @Test
    void aPeerIsShownHeardFromAtItsLastHeartbeat() {
        TaskRecord r = task("c".repeat(64), "http://o/c.bin", 4 * MIB);
        r.swarm().join("seeding", "http://10.0.0.7:65001", false, clock.get());
        put(r);
        store.peers().registered("seeding", clock.get());
        long beat = clock.addAndGet(20_000);
        store.peers().heartbeat("seeding", beat);
        Dashboard.Peer p = dashboard.snapshot().tasks().get(0).peers().get(0);
        assertEquals(beat, p.lastSeenMillis(), "the task's record does not see heartbeats; the dashboard must");
    }

    @Test
    void showsTasksByTheirUrlWithoutQueryStringWithSwarmBytesAndFailures() throws Exception {
        TaskRecord r = task("a".repeat(64), SIGNED, 12 * MIB); // 3 pieces of 4 MiB
        for (int n = 0; n < 3; n++) {
            r.piecePublished("supernode:10.0.0.1:8002", n, "sha256:p" + n);
        }
        r.originFinished(12 * MIB, "sha256:file");
        r.swarm().join("peer-1", "http://10.0.0.5:65001", false, clock.get());
        for (int n = 0; n < 3; n++) {
            assertEquals("supernode:10.0.0.1:8002", fetchOne(r, "peer-1", true));
        }
        r.swarm().join("peer-2", "http://10.0.0.6:65001", false, clock.get());
        r.swarm().leave("supernode:10.0.0.1:8002"); // the CDN copy is no source now: peer-2 must use peer-1
        clock.addAndGet(1000);
        assertEquals("peer-1", fetchOne(r, "peer-2", false));
        assertEquals("peer-1", fetchOne(r, "peer-2", true));
        put(r);

        TaskRecord failed = new TaskRecord("b".repeat(64), seal.sealUrl("http://o/gone.bin?token=t0k3n", "b".repeat(64)),
                "key2", SafeUrls.display("http://o/gone.bin?token=t0k3n"), null, "m-1", clock.get());
        clock.addAndGet(1000);
        failed.fail("origin_not_found", "origin answered 404 for http://o/gone.bin", 404, clock.get());
        put(failed);

        Dashboard d = dashboard.snapshot();
        String json = new ObjectMapper().writeValueAsString(d);
        assertFalse(json.contains("s3cr3t") || json.contains("Signature") || json.contains("t0k3n") || json.contains("?"), json);

        assertEquals(List.of("10.0.0.1:5701", "10.0.0.2:5701"), d.members().stream().map(Dashboard.Member::address).toList());
        assertEquals("m-1", d.answeredBy());
        assertEquals(2, d.totals().tasks());
        assertEquals(2, d.totals().peers());
        assertEquals(4 * MIB, d.totals().bytesFromPeers());
        assertEquals(12 * MIB, d.totals().bytesFromSupernodes());
        assertEquals(12 * MIB, d.thisMember().originBytes());

        Dashboard.Task t = d.tasks().stream().filter(x -> x.taskId().equals(r.taskId())).findFirst().orElseThrow();
        assertEquals("http://origin.example:8080/files/big.bin", t.name());
        assertEquals("SUCCESS", t.status());
        assertEquals(3, t.pieceCount());
        assertEquals(3, t.seededPieces());
        assertEquals(2, t.peerCount());
        assertEquals(1, t.completedPeers());
        assertEquals(List.of("peer-2", "peer-1"), t.peers().stream().map(Dashboard.Peer::id).toList(), "unfinished peers first");
        assertEquals(1, t.peers().get(0).pieces());
        assertEquals(1, t.peers().get(1).failures(), "peer-1 failed once as a source");
        assertEquals(1, t.seeds());
        assertTrue(t.active(), "peer-2 still lacks pieces");

        assertEquals(List.of("task", "piece"), d.failures().stream().map(Dashboard.Failure::kind).toList(), "newest first");
        assertEquals("origin answered 404 for http://o/gone.bin", d.failures().get(0).detail());
        assertEquals("http://o/gone.bin", d.failures().get(0).name());
        assertTrue(d.failures().get(1).detail().contains("peer-2") && d.failures().get(1).detail().contains("peer-1"),
                d.failures().get(1).detail());

        JsonNode tree = new ObjectMapper().readTree(json);
        assertEquals("FAILED", tree.path("tasks").path(1).path("status").asText(), "active tasks first");
        assertEquals(4 * MIB, tree.path("tasks").path(0).path("bytesFromPeers").asLong());
    }

    @Test
    void worksOnTheHazelcastTasksMapAndTheRecordStaysSerializable() throws Exception {
        TaskRecord r = task("e".repeat(64), SIGNED, 4 * MIB);
        r.piecePublished("supernode:10.0.0.1:8002", 0, "sha256:p0");
        r.swarm().join("peer-1", "http://10.0.0.5:65001", false, clock.get());
        fetchOne(r, "peer-1", false);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(r); // a backup copy on another member is a serialized record
        }
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Map<String, String> p = Map.of(SupernodeSettings.ADVERTISE_IP, "127.0.0.1",
                SupernodeSettings.DATA_DIR, dataDir.toString(),
                SupernodeSettings.CLUSTER_PORT, String.valueOf(port));
        HazelcastInstance hz = ClusterMember.start(
                new SupernodeSettings(new Settings(k -> Optional.ofNullable(p.get(k)))),
                TestSecrets.SECRET, getClass().getClassLoader());
        try {
            HazelcastTaskStore grid = new HazelcastTaskStore(hz);
            grid.update(r.taskId(), old -> Result.of(r, null));
            Dashboard d = new DashboardService(grid, List::of, () -> new Dashboard.MemberCounters(0, 0, 0, 0, 0), "m-1",
                    30_000, clock::get).snapshot();
            assertEquals("http://origin.example:8080/files/big.bin", d.tasks().get(0).name());
            assertEquals(List.of("peer-1"), d.tasks().get(0).peers().stream().map(Dashboard.Peer::id).toList());
            assertEquals(1, d.failures().size());
        } finally {
            hz.getLifecycleService().terminate();
        }
    }

    @Test
    void aTaskWithoutUrlIsNamedByItsDigest() {
        TaskRecord r = new TaskRecord("c".repeat(64), new byte[]{1}, null, "", "sha256:" + "d".repeat(64), "m-1", 0);
        put(r);
        assertEquals("sha256:" + "d".repeat(64), dashboard.snapshot().tasks().get(0).name());
    }

    @Test
    void listsAreBounded() {
        for (int i = 0; i < DashboardService.MAX_TASKS + 30; i++) {
            String id = String.format("%064x", i);
            TaskRecord r = task(id, "http://o/f" + i, 4 * MIB);
            r.piecePublished("supernode:10.0.0.1:8002", 0, "sha256:p");
            for (int p = 0; p < DashboardService.MAX_PEERS_PER_TASK + 5; p++) {
                r.swarm().join("peer-" + p, "http://10.0.1." + p + ":65001", false, clock.get());
            }
            for (int f = 0; f < TaskRecord.RECENT_FAILURES + 3; f++) {
                fetchOne(r, "peer-0", false);
            }
            assertEquals(TaskRecord.RECENT_FAILURES, r.recentFailures().size());
            put(r);
        }
        Dashboard d = dashboard.snapshot();
        assertEquals(DashboardService.MAX_TASKS + 30, d.totals().tasks());
        assertEquals(DashboardService.MAX_TASKS, d.totals().tasksShown());
        assertEquals(DashboardService.MAX_TASKS, d.tasks().size());
        assertEquals(DashboardService.MAX_FAILURES, d.failures().size());
        assertEquals(DashboardService.MAX_PEERS_PER_TASK, d.tasks().get(0).peers().size());
        assertEquals(DashboardService.MAX_PEERS_PER_TASK + 5, d.tasks().get(0).peerCount());
    }
}
