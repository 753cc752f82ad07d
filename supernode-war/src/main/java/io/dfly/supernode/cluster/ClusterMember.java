package io.dfly.supernode.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.config.AdvancedNetworkConfig;
import com.hazelcast.config.Config;
import com.hazelcast.config.ExecutorConfig;
import com.hazelcast.config.InMemoryFormat;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.ServerSocketEndpointConfig;
import com.hazelcast.config.SocketInterceptorConfig;
import com.hazelcast.core.HazelcastInstance;
import io.dfly.core.config.HostPort;
import io.dfly.core.security.ClusterSecret;
import io.dfly.supernode.config.SupernodeSettings;

import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.logging.Logger;

/**
 * The supernode's own Hazelcast member (Payara Micro runs with {@code --nocluster}; the app uses the
 * Hazelcast classes Payara bundles). Trust boundary:
 * <ul>
 * <li>the cluster name is {@code <dfly.supernode.cluster.name>-<24 hex chars derived from the cluster
 *     secret>}: a member without the secret asks to join a cluster of another name and is refused (open-source
 *     Hazelcast has no member authentication; the name is the only check it makes, so it is never logged:
 *     Hazelcast's log prefix, which would show it, is off, and its "Cluster name:" line shows
 *     {@value #HIDDEN} instead);</li>
 * <li>the member binds only to {@code dfly.supernode.cluster.interface} (default the advertise-ip);</li>
 * <li>the advanced network config has a member endpoint only: no client protocol (a Hazelcast client
 *     cannot connect at all), no REST, no memcache;</li>
 * <li>every member connection passes {@link MemberGuard} before any Hazelcast byte: it must come from an
 *     address of {@code dfly.supernode.cluster.members} (or this member), and both sides prove they hold the
 *     cluster secret (mutual HMAC challenge-response), so a stranger never joins even if it learns the name;</li>
 * <li>TCP/IP join with {@code dfly.supernode.cluster.members}, multicast and auto-detection off; a member
 *     not in that list would also be reported SEVERE ({@link MemberAllowList});</li>
 * <li>nothing secret is in the grid in clear: origin headers and task URLs are sealed with the cluster key.</li>
 * </ul>
 */
public final class ClusterMember {
    private static final Logger LOG = Logger.getLogger(ClusterMember.class.getName());
    public static final String TASKS = "dfly-tasks";
    /** Peer id → when it was last heard from (registration, heartbeat): {@code HazelcastPeerLiveness}. */
    public static final String PEERS_HEARD = "dfly-peers-heard";
    public static final String ORIGIN_HEADERS = "dfly-origin-headers";
    public static final String PREHEATS = "dfly-preheats";
    /** Open-API job number → preheat job id (Harbor 2.12+ polls by number). */
    public static final String PREHEAT_NUMBERS = "dfly-preheat-numbers";
    /** Hands out the open-API job numbers (cluster-unique, no coordination per id). */
    public static final String PREHEAT_IDS = "dfly-preheat-ids";
    /** The executor a fetching member copies its pieces to its mirror with ({@link HazelcastPieceMirror}). */
    public static final String PIECE_MIRROR = "dfly-piece-mirror";
    /** Where Hazelcast logs "Cluster name: …" as a member starts (held: JUL keeps loggers weakly). */
    private static final Logger HAZELCAST_SYSTEM = Logger.getLogger("com.hazelcast.system");
    /** The derived parts of cluster names started in this JVM, shown as {@link #HIDDEN} in Hazelcast's lines. */
    private static final Set<String> DERIVED = new CopyOnWriteArraySet<>();
    static final String HIDDEN = "<derived from the cluster secret>";

    static {
        HAZELCAST_SYSTEM.setFilter(r -> {
            String m = r.getMessage();
            if (m != null) {
                for (String d : DERIVED) {
                    if (m.contains(d)) {
                        m = m.replace(d, HIDDEN);
                    }
                }
                r.setMessage(m);
            }
            return true;
        });
    }

    private ClusterMember() {
    }

    public static HazelcastInstance start(SupernodeSettings s, ClusterSecret secret, ClassLoader appLoader) {
        MemberGuard guard = new MemberGuard(secret.key("hazelcast-member-handshake"), allowList(s));
        HazelcastInstance hz = guard.start(config(s, secret, appLoader));
        watchMembers(hz, s);
        return hz;
    }

    static MemberAllowList allowList(SupernodeSettings s) {
        return new MemberAllowList(s.clusterMembers(), new HostPort(s.clusterInterface(), s.clusterPort()));
    }

    /** {@code <name>-<derived from the secret>}: only members holding the cluster secret share it. */
    public static String clusterName(String configuredName, ClusterSecret secret) {
        return configuredName + "-" + derived(secret);
    }

    private static String derived(ClusterSecret secret) {
        return secret.derivedName("hazelcast-cluster", 24);
    }

    /** The member's configuration (tests start members from it). */
    public static Config config(SupernodeSettings s, ClusterSecret secret, ClassLoader appLoader) {
        String iface = s.clusterInterface();
        Config c = new Config();
        DERIVED.add(derived(secret));
        c.setClusterName(clusterName(s.clusterName(), secret));
        c.setInstanceName("dfly-supernode-" + iface + "-" + s.clusterPort());
        c.setClassLoader(appLoader);
        c.setProperty("hazelcast.logging.type", "jdk");
        // the log prefix would carry the cluster name, which is what lets a member join
        c.setProperty("hazelcast.logging.details.enabled", "false");
        c.setProperty("hazelcast.phone.home.enabled", "false");
        c.setProperty("hazelcast.shutdownhook.enabled", "false");
        c.setProperty("hazelcast.wait.seconds.before.join", "0");
        c.setProperty("hazelcast.max.no.heartbeat.seconds", "15");
        c.setProperty("hazelcast.heartbeat.interval.seconds", "1");
        // bind to the cluster interface only, never to all addresses
        c.setProperty("hazelcast.local.localAddress", iface);
        c.setProperty("hazelcast.socket.bind.any", "false");
        c.setProperty("hazelcast.socket.server.bind.any", "false");
        AdvancedNetworkConfig network = c.getAdvancedNetworkConfig().setEnabled(true);
        ServerSocketEndpointConfig member = new ServerSocketEndpointConfig();
        member.setPort(s.clusterPort()).setPortAutoIncrement(false).setPublicAddress(hostPort(iface, s.clusterPort()));
        member.getInterfaces().setEnabled(true).addInterface(iface);
        // every member connection passes MemberGuard (allowed address, mutual proof of the secret) first
        member.setSocketInterceptorConfig(new SocketInterceptorConfig().setEnabled(true));
        // the member endpoint only: no client endpoint (no client protocol), no REST, no memcache
        network.setMemberEndpointConfig(member);
        JoinConfig join = network.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        join.getTcpIpConfig().setEnabled(true).setConnectionTimeoutSeconds(2).addMember(hostPort(iface, s.clusterPort()));
        for (HostPort m : s.clusterMembers()) {
            join.getTcpIpConfig().addMember(m.toString());
        }
        // task state: objects updated in place by entry processors, one backup on another member
        c.addMapConfig(new MapConfig(TASKS).setInMemoryFormat(InMemoryFormat.OBJECT).setBackupCount(1));
        // one small record per peer, rewritten by each heartbeat; sorted on the time to find the late ones
        c.addMapConfig(new MapConfig(PEERS_HEARD).setBackupCount(1)
                .addIndexConfig(new com.hazelcast.config.IndexConfig(com.hazelcast.config.IndexType.SORTED, "this")));
        // origin credentials: sealed values, memory only, no persistence, no map store
        c.addMapConfig(new MapConfig(ORIGIN_HEADERS).setBackupCount(1));
        c.addMapConfig(new MapConfig(PREHEATS).setBackupCount(1));
        c.addMapConfig(new MapConfig(PREHEAT_NUMBERS).setBackupCount(1));
        // piece copies to a mirror: one per running fetch at a time, so a few threads and a bounded queue
        c.addExecutorConfig(new ExecutorConfig(PIECE_MIRROR).setPoolSize(4).setQueueCapacity(256)
                .setStatisticsEnabled(false));
        return c;
    }

    /**
     * Reports (SEVERE) every member, now and when one joins, whose address is not in
     * {@code dfly.supernode.cluster.members} (nor this member): it holds the cluster secret, but nobody
     * listed it. Hazelcast offers no way to refuse it.
     */
    static void watchMembers(HazelcastInstance hz, SupernodeSettings s) {
        MemberAllowList allowed = allowList(s);
        hz.getCluster().addMembershipListener(new MembershipListener() {
            @Override
            public void memberAdded(MembershipEvent e) {
                check(e.getMember(), allowed);
            }

            @Override
            public void memberRemoved(MembershipEvent e) {
                // nothing to check
            }
        });
        for (Member m : hz.getCluster().getMembers()) {
            check(m, allowed);
        }
    }

    static void check(Member m, MemberAllowList allowed) {
        String host = m.getAddress().getHost();
        int port = m.getAddress().getPort();
        if (!allowed.allows(host, port)) {
            LOG.severe(() -> "supernode cluster: member " + hostPort(host, port) + " joined but is not in "
                    + SupernodeSettings.CLUSTER_MEMBERS + " " + allowed + ": it holds the cluster secret ("
                    + ClusterSecret.PROPERTY + "), yet no member was told to expect it; list it on every member,"
                    + " or if it is not yours, take the secret away (rotate it on every host)");
        }
    }

    private static String hostPort(String host, int port) {
        return (host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port;
    }
}
