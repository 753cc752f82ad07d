package io.dfly.supernode.task;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * {@link PeerLiveness} over a concurrent map, peer id → when last heard (millis): a plain map in one JVM (the
 * local task store), or Hazelcast's {@code IMap} ({@code cluster.HazelcastPeerLiveness}, which reads the late
 * peers through its index instead of a scan). The rules are here once: a heartbeat only replaces a record, a
 * record is forgotten only if unchanged.
 */
public class MapPeerLiveness implements PeerLiveness {
    private final ConcurrentMap<String, Long> heard;

    /** In one JVM. */
    public MapPeerLiveness() {
        this(new ConcurrentHashMap<>());
    }

    protected MapPeerLiveness(ConcurrentMap<String, Long> heard) {
        this.heard = heard;
    }

    @Override
    public void registered(String peerId, long nowMillis) {
        heard.put(peerId, nowMillis);
    }

    @Override
    public final boolean heartbeat(String peerId, long nowMillis) {
        return heard.replace(peerId, nowMillis) != null;
    }

    /** A scan of every record. */
    @Override
    public Map<String, Long> heardBefore(long beforeMillis) {
        Map<String, Long> out = new HashMap<>();
        heard.forEach((id, at) -> {
            if (at < beforeMillis) {
                out.put(id, at);
            }
        });
        return out;
    }

    @Override
    public final void forget(String peerId, long lastHeardMillis) {
        heard.remove(peerId, lastHeardMillis);
    }

    @Override
    public final int size() {
        return heard.size();
    }
}
