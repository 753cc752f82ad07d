package io.dfly.supernode.cluster;

import com.hazelcast.map.IMap;
import com.hazelcast.query.Predicates;
import io.dfly.supernode.task.MapPeerLiveness;

import java.util.HashMap;
import java.util.Map;

/**
 * {@link io.dfly.supernode.task.PeerLiveness} in a Hazelcast map, with a sorted index on the value so
 * {@link #heardBefore} reads only the late peers. A heartbeat is one {@code replace} on the peer's partition
 * (and its backup).
 */
public final class HazelcastPeerLiveness extends MapPeerLiveness {
    private final IMap<String, Long> map;

    public HazelcastPeerLiveness(IMap<String, Long> map) {
        super(map);
        this.map = map;
    }

    /** {@code set}: the old value is not sent back. */
    @Override
    public void registered(String peerId, long nowMillis) {
        map.set(peerId, nowMillis);
    }

    /** An indexed query on each member, not a scan of the whole map. */
    @Override
    public Map<String, Long> heardBefore(long beforeMillis) {
        Map<String, Long> out = new HashMap<>();
        for (Map.Entry<String, Long> e : map.entrySet(Predicates.lessThan("this", beforeMillis))) {
            out.put(e.getKey(), e.getValue());
        }
        return out;
    }
}
