package io.dfly.supernode.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.InMemoryFormat;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import io.dfly.core.config.HostPort;
import io.dfly.supernode.config.SupernodeSettings;

/**
 * The supernode's own Hazelcast member (Payara Micro runs with {@code --nocluster}; the app uses the
 * Hazelcast classes Payara bundles). TCP/IP join with the configured members, multicast off.
 */
public final class ClusterMember {
    public static final String TASKS = "dfly-tasks";
    public static final String ORIGIN_HEADERS = "dfly-origin-headers";
    public static final String PREHEATS = "dfly-preheats";

    private ClusterMember() {
    }

    public static HazelcastInstance start(SupernodeSettings s, ClassLoader appLoader) {
        Config c = new Config();
        c.setClusterName(s.clusterName());
        c.setInstanceName("dfly-supernode-" + s.advertiseIp() + "-" + s.port());
        c.setClassLoader(appLoader);
        c.setProperty("hazelcast.logging.type", "jdk");
        c.setProperty("hazelcast.phone.home.enabled", "false");
        c.setProperty("hazelcast.shutdownhook.enabled", "false");
        c.setProperty("hazelcast.wait.seconds.before.join", "0");
        c.setProperty("hazelcast.max.no.heartbeat.seconds", "15");
        c.setProperty("hazelcast.heartbeat.interval.seconds", "1");
        c.setProperty("hazelcast.local.localAddress", s.advertiseIp());
        c.getNetworkConfig().setPort(s.clusterPort()).setPortAutoIncrement(false);
        c.getNetworkConfig().setPublicAddress(s.advertiseIp() + ":" + s.clusterPort());
        JoinConfig join = c.getNetworkConfig().getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        join.getTcpIpConfig().setEnabled(true).setConnectionTimeoutSeconds(2)
                .addMember(s.advertiseIp() + ":" + s.clusterPort());
        for (HostPort m : s.clusterMembers()) {
            join.getTcpIpConfig().addMember(m.toString());
        }
        // task state: objects updated in place by entry processors, one backup on another member
        c.addMapConfig(new MapConfig(TASKS).setInMemoryFormat(InMemoryFormat.OBJECT).setBackupCount(1));
        // origin credentials: memory only, no persistence, no map store
        c.addMapConfig(new MapConfig(ORIGIN_HEADERS).setBackupCount(1));
        c.addMapConfig(new MapConfig(PREHEATS).setBackupCount(1));
        return Hazelcast.newHazelcastInstance(c);
    }
}
