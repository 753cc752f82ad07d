package io.dfly.supernode.task;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** {@link PeerLiveness} in one JVM (unit tests, the local task store). */
public final class LocalPeerLiveness implements PeerLiveness {
    private final Map<String, Long> heard = new ConcurrentHashMap<>();

    @Override
    public void registered(String peerId, long nowMillis) {
        heard.put(peerId, nowMillis);
    }

    @Override
    public boolean heartbeat(String peerId, long nowMillis) {
        return heard.replace(peerId, nowMillis) != null;
    }

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
    public void forget(String peerId, long lastHeardMillis) {
        heard.remove(peerId, lastHeardMillis);
    }

    @Override
    public int size() {
        return heard.size();
    }
}
