package io.dfly.supernode.cluster;

import com.hazelcast.map.IMap;
import io.dfly.core.security.SecretBox;
import io.dfly.supernode.task.OriginHeaderStore;
import io.dfly.supernode.task.OriginHeaders;

import java.util.Optional;
import java.util.logging.Logger;

/**
 * Origin headers in a Hazelcast map (memory only, replicated to a backup, never persisted or logged). Each
 * value is {@code gridBox.seal(url + headers, taskId)}: AES-GCM with a key derived from the cluster secret,
 * bound to its task id, so whoever reads the grid without the secret learns nothing, and a value moved to
 * another task's entry does not open.
 */
public final class HazelcastOriginHeaders implements OriginHeaderStore {
    private static final Logger LOG = Logger.getLogger(HazelcastOriginHeaders.class.getName());
    private final IMap<String, byte[]> map;
    private final SecretBox box;

    public HazelcastOriginHeaders(IMap<String, byte[]> map, SecretBox box) {
        this.map = map;
        this.box = box;
    }

    @Override
    public void put(String taskId, OriginHeaders headers) {
        map.set(taskId, box.seal(headers.toBytes(), taskId));
    }

    @Override
    public Optional<OriginHeaders> get(String taskId) {
        byte[] sealed = map.get(taskId);
        if (sealed == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(OriginHeaders.fromBytes(box.open(sealed, taskId)));
        } catch (IllegalArgumentException e) {
            LOG.warning(() -> "task " + taskId + ": the origin headers kept for it do not open with this cluster secret;"
                    + " fetching without them");
            return Optional.empty();
        }
    }

    @Override
    public void remove(String taskId) {
        map.delete(taskId);
    }
}
