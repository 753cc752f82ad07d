package io.dfly.supernode.cluster;

import com.hazelcast.core.HazelcastInstance;
import io.dfly.core.config.Settings;
import io.dfly.core.protocol.TaskStatus;
import io.dfly.supernode.TestSecrets;
import io.dfly.supernode.config.SupernodeSettings;
import io.dfly.supernode.task.PeerLiveness;
import io.dfly.supernode.task.TaskAction.Result;
import io.dfly.supernode.task.TaskRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tasks map of a real member: its ids listed, reads create nothing; the peers'
 * liveness map beside it.
 */
class HazelcastTaskStoreTest {
    private HazelcastInstance hz;
    @TempDir
    Path dataDir;

    @AfterEach
    void tearDown() {
        if (hz != null) {
            hz.getLifecycleService().terminate();
        }
    }

    private HazelcastTaskStore member() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Map<String, String> p = Map.of(SupernodeSettings.ADVERTISE_IP, "127.0.0.1", SupernodeSettings.DATA_DIR,
                dataDir.toString(), SupernodeSettings.CLUSTER_PORT, String.valueOf(port));
        hz = ClusterMember.start(new SupernodeSettings(new Settings(k -> Optional.ofNullable(p.get(k)))), TestSecrets.SECRET,
                getClass().getClassLoader());
        return new HazelcastTaskStore(hz);
    }

    /** A heartbeat is one write of the peer's record; made-up peers get none; the late ones are found by time. */
    @Test
    void peerLivenessIsOneRecordPerRegisteredPeer() throws Exception {
        PeerLiveness peers = member().peers();
        assertFalse(peers.heartbeat("stranger", 5), "a peer that never registered");
        assertEquals(0, peers.size(), "a heartbeat made a record");
        peers.registered("a", 10);
        peers.registered("b", 20);
        assertTrue(peers.heartbeat("b", 30));
        assertEquals(Map.of("a", 10L), peers.heardBefore(25));
        assertEquals(Map.of("a", 10L, "b", 30L), peers.heardBefore(31));
        peers.forget("b", 20); // heard from since: kept
        peers.forget("a", 10);
        assertEquals(Map.of("b", 30L), peers.heardBefore(1000));
        assertEquals(1, peers.size());
    }

    @Test
    void listsTheTaskIdsAndReadsCreateNothing() throws Exception {
        HazelcastTaskStore store = member();
        List<String> ids = List.of("1".repeat(64), "2".repeat(64), "3".repeat(64));
        for (String id : ids) {
            store.update(id, r -> {
                TaskRecord t = new TaskRecord(id, new byte[]{1}, "k", "http://o/" + id, null, "m", 0);
                t.originAnswered(10, "m", "supernode:a:1", "http://a:1", 0);
                t.swarm().join("peer", "http://peer", false, 0);
                return Result.of(t, null);
            });
        }
        assertEquals(3, store.size());
        assertEquals(Set.copyOf(ids), store.taskIds());
        assertEquals(TaskStatus.RUNNING, store.read(ids.get(2), r -> Result.of(r, r.status())));
        String absent = "4".repeat(64);
        assertTrue(store.<TaskStatus>read(absent, r -> Result.of(r, r == null ? null : r.status())) == null);
        assertFalse(store.get(absent).isPresent(), "an absent key was created");
    }
}
