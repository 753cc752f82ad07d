package io.dfly.core.protocol;

import java.util.List;

/**
 * A peer is alive. {@code POST /api/v1/peers/{peerId}/heartbeat}: the supernode touches this peer in the
 * listed tasks only (never a scan of every task); a task the peer is not in is ignored.
 *
 * @param tasks ids of the tasks this peer is registered in at that supernode (at most 1024 per beat)
 */
public record Heartbeat(List<String> tasks) {
    public static final int MAX_TASKS = 1024;
}
