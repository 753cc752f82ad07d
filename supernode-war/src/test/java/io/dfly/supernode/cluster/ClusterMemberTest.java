package io.dfly.supernode.cluster;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.client.config.ClientConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.instance.EndpointQualifier;
import com.hazelcast.map.IMap;
import io.dfly.core.config.AdvertiseAddress;
import io.dfly.core.config.Settings;
import io.dfly.core.security.ClusterSecret;
import io.dfly.supernode.TestSecrets;
import io.dfly.supernode.config.SupernodeSettings;
import io.dfly.supernode.task.OriginHeaders;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real Hazelcast members in this JVM, on loopback with free ports: the cluster secret decides who joins, a
 * member binds to its cluster interface only, and no Hazelcast client can connect.
 */
class ClusterMemberTest {
    private final List<HazelcastInstance> started = new ArrayList<>();
    private final List<LogRecord> logged = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            logged.add(r);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    @TempDir
    Path dataDir;

    @BeforeEach
    void captureLogs() {
        Logger.getLogger("").addHandler(capture);
    }

    @AfterEach
    void tearDown() {
        Logger.getLogger("").removeHandler(capture);
        for (HazelcastInstance hz : started) {
            hz.getLifecycleService().terminate();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private SupernodeSettings settings(int port, String members) {
        Map<String, String> p = Map.of(SupernodeSettings.ADVERTISE_IP, "127.0.0.1",
                SupernodeSettings.DATA_DIR, dataDir.toString(),
                SupernodeSettings.CLUSTER_PORT, String.valueOf(port),
                SupernodeSettings.CLUSTER_MEMBERS, members);
        return new SupernodeSettings(new Settings(k -> Optional.ofNullable(p.get(k))));
    }

    private HazelcastInstance member(int port, String members, ClusterSecret secret) {
        SupernodeSettings s = settings(port, members);
        HazelcastInstance hz = ClusterMember.start(s, secret, getClass().getClassLoader());
        started.add(hz);
        return hz;
    }

    private static void awaitSize(HazelcastInstance hz, int size) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (hz.getCluster().getMembers().size() != size && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertEquals(size, hz.getCluster().getMembers().size());
    }

    @Test
    void aStrangerThatLearnedTheClusterNameStillCannotJoin() throws Exception {
        int p1 = freePort();
        int p2 = freePort();
        HazelcastInstance one = member(p1, "127.0.0.1:" + p2, TestSecrets.SECRET);
        // the right (derived) name, as a sniffer of join messages would have it, but no secret for the handshake
        com.hazelcast.config.Config stolen = ClusterMember.config(settings(p2, "127.0.0.1:" + p1), TestSecrets.SECRET,
                getClass().getClassLoader());
        stolen.setProperty("hazelcast.max.join.seconds", "5");
        HazelcastInstance stranger = null;
        try {
            stranger = Hazelcast.newHazelcastInstance(stolen);
            started.add(stranger);
            assertEquals(1, stranger.getCluster().getMembers().size(), "the stranger joined");
        } catch (IllegalStateException refused) {
            // refused while joining: as good
        }
        assertEquals(1, one.getCluster().getMembers().size(), "the member let a stranger in");
    }

    @Test
    void aMemberFromAnUnlistedAddressCannotJoin() throws Exception {
        int p1 = freePort();
        int p2 = freePort();
        // member one expects members from 127.0.0.9 only (and so never calls 127.0.0.1 itself): one on
        // 127.0.0.1, secret and all, is refused
        SupernodeSettings s1 = settings(p1, "");
        MemberAllowList elsewhere = new MemberAllowList(List.of(new io.dfly.core.config.HostPort("127.0.0.9", p2)),
                new io.dfly.core.config.HostPort("127.0.0.9", p1));
        HazelcastInstance one = new MemberGuard(TestSecrets.SECRET.key("hazelcast-member-handshake"), elsewhere)
                .start(ClusterMember.config(s1, TestSecrets.SECRET, getClass().getClassLoader()));
        started.add(one);
        com.hazelcast.config.Config c2 = ClusterMember.config(settings(p2, "127.0.0.1:" + p1), TestSecrets.SECRET,
                getClass().getClassLoader());
        c2.setProperty("hazelcast.max.join.seconds", "5");
        try {
            HazelcastInstance two = new MemberGuard(TestSecrets.SECRET.key("hazelcast-member-handshake"),
                    ClusterMember.allowList(settings(p2, "127.0.0.1:" + p1))).start(c2);
            started.add(two);
            assertEquals(1, two.getCluster().getMembers().size());
        } catch (IllegalStateException refused) {
            // refused while joining: as good
        }
        assertEquals(1, one.getCluster().getMembers().size(), "an unlisted address joined");
    }

    @Test
    void onlyMembersWithTheSecretJoinAndNoClientConnects() throws Exception {
        int p1 = freePort();
        int p2 = freePort();
        int p3 = freePort();
        HazelcastInstance one = member(p1, "127.0.0.1:" + p2, TestSecrets.SECRET);
        // the member endpoint only: no client, REST or memcache endpoint
        assertEquals(Set.of(EndpointQualifier.MEMBER), one.getConfig().getAdvancedNetworkConfig().getEndpointConfigs().keySet());
        String name = one.getConfig().getClusterName();
        assertTrue(name.startsWith("dfly-") && name.length() == "dfly-".length() + 24, name);
        assertFalse(name.equals(ClusterMember.clusterName("dfly", TestSecrets.OTHER_SECRET)));

        HazelcastInstance two = member(p2, "127.0.0.1:" + p1, TestSecrets.SECRET);
        awaitSize(one, 2);
        awaitSize(two, 2);

        // a member without the secret (another derived name) forms a cluster of its own
        HazelcastInstance outsider = member(p3, "127.0.0.1:" + p1, TestSecrets.OTHER_SECRET);
        awaitSize(outsider, 1);
        assertEquals(2, one.getCluster().getMembers().size());

        // the grid keeps origin headers sealed: a member reads them back, the raw value shows nothing
        HazelcastOriginHeaders headers = new HazelcastOriginHeaders(one.getMap(ClusterMember.ORIGIN_HEADERS),
                TestSecrets.SECRET.gridBox());
        String taskId = "a".repeat(64);
        headers.put(taskId, new OriginHeaders("key", Map.of("Authorization", "Bearer SECRETTOKEN")));
        IMap<String, byte[]> raw = two.getMap(ClusterMember.ORIGIN_HEADERS);
        assertFalse(new String(raw.get(taskId), StandardCharsets.ISO_8859_1).contains("SECRETTOKEN"));
        assertEquals("Bearer SECRETTOKEN", new HazelcastOriginHeaders(raw, TestSecrets.SECRET.gridBox())
                .get(taskId).orElseThrow().headers().get("Authorization"));
        // a value moved to another task's entry does not open there
        raw.set("b".repeat(64), raw.get(taskId));
        assertEquals(Optional.empty(), headers.get("b".repeat(64)));

        // nothing the members logged (joins, the refused outsider) shows the derived cluster name: it is what
        // lets a member join (the clients below log their own name, which the attacker knows anyway)
        List<String> showing = logged.stream().map(ClusterMemberTest::text).filter(t -> t.contains(name.substring(5))).toList();
        assertTrue(showing.isEmpty(), "the derived cluster name was logged: " + showing);

        // no Hazelcast client connects, whatever cluster name it knows
        for (String clusterName : List.of("dfly", name)) {
            ClientConfig cc = new ClientConfig();
            cc.setClusterName(clusterName);
            cc.getNetworkConfig().addAddress("127.0.0.1:" + p1).setConnectionTimeout(1000);
            cc.getConnectionStrategyConfig().getConnectionRetryConfig().setClusterConnectTimeoutMillis(1500);
            cc.setProperty("hazelcast.logging.type", "jdk");
            assertThrows(IllegalStateException.class, () -> started.add(HazelcastClient.newHazelcastClient(cc)),
                    "a client with cluster name " + clusterName + " connected");
        }

    }

    @Test
    void aMemberBindsToItsClusterInterfaceOnly() throws Exception {
        String other = AdvertiseAddress.resolve("auto");
        int port = freePort();
        member(port, "", TestSecrets.SECRET);
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
        }
        if (!other.equals("127.0.0.1")) {
            // the host's other address: nothing listens there
            assertThrows(IOException.class, () -> {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(other, port), 1000);
                }
            });
        }
    }

    @Test
    void aMemberNotInTheListIsReported() throws Exception {
        int p1 = freePort();
        int p2 = freePort();
        int stranger = freePort();
        HazelcastInstance one = member(p1, "127.0.0.1:" + p2, TestSecrets.SECRET);
        // it has the secret but nobody listed it: Hazelcast lets it join, dfly says so on every member
        member(stranger, "127.0.0.1:" + p1, TestSecrets.SECRET);
        awaitSize(one, 2);
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (severeNaming(stranger).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        List<LogRecord> severe = severeNaming(stranger);
        assertFalse(severe.isEmpty(), "no SEVERE line names the unlisted member");
        assertTrue(text(severe.get(0)).contains(SupernodeSettings.CLUSTER_MEMBERS), text(severe.get(0)));
        assertTrue(severeNaming(p1).isEmpty(), "a listed member (itself) is not reported");
        assertTrue(severeNaming(p2).isEmpty(), "a listed member is not reported");
    }

    @Test
    void theAllowListComparesAddressesAndPorts() {
        MemberAllowList list = new MemberAllowList(List.of(new io.dfly.core.config.HostPort("localhost", 5702)),
                new io.dfly.core.config.HostPort("127.0.0.1", 5701));
        assertTrue(list.allows("127.0.0.1", 5701));
        assertTrue(list.allows("127.0.0.1", 5702), "a listed name is resolved");
        assertFalse(list.allows("127.0.0.1", 5703));
        assertFalse(list.allows("10.9.9.9", 5701));
    }

    private List<LogRecord> severeNaming(int port) {
        return logged.stream().filter(r -> r.getLevel() == Level.SEVERE && text(r).contains("member 127.0.0.1:" + port + " joined"))
                .toList();
    }

    private static String text(LogRecord r) {
        String m = r.getMessage() == null ? "" : r.getMessage();
        if (r.getParameters() != null) {
            m = m + " " + java.util.Arrays.toString(r.getParameters());
        }
        return r.getThrown() == null ? m : m + " " + r.getThrown();
    }

}
