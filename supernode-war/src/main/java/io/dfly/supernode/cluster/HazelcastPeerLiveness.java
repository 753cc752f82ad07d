package io.dfly.supernode.cluster;

import com.hazelcast.map.IMap;
import com.hazelcast.query.Predicates;
import io.dfly.supernode.task.PeerLiveness;

import java.util.HashMap;
import java.util.Map;

/**
 * {@link PeerLiveness} in a Hazelcast map, peer id → when last heard (millis), with a sorted index on the
 * value so {@link #heardBefore} reads only the late peers. A heartbeat is one {@code replace} on the peer's
 * partition (and its backup).
 */
public final class HazelcastPeerLiveness implements PeerLiveness {
    private final IMap<String, Long> map;

    public HazelcastPeerLiveness(IMap<String, Long> map) {
        this.map = map;
    }

    @Override
    public void registered(String peerId, long nowMillis) {
        map.set(peerId, nowMillis);
    }

    @Override
    public boolean heartbeat(String peerId, long nowMillis) {
        return map.replace(peerId, nowMillis) != null;
    }

    @Override
    public Map<String, Long> heardBefore(long beforeMillis) {
        Map<String, Long> out = new HashMap<>();
        for (Map.Entry<String, Long> e : map.entrySet(Predicates.lessThan("this", beforeMillis))) {
            out.put(e.getKey(), e.getValue());
        }
        return out;
    }

    @Override
    public void forget(String peerId, long lastHeardMillis) {
        map.remove(peerId, lastHeardMillis);
    }

    @Override
    public int size() {
        return map.size();
    }
}
