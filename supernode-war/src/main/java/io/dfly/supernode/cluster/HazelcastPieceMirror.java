package io.dfly.supernode.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.core.IExecutorService;
import io.dfly.supernode.cdn.MirrorReceiver;
import io.dfly.supernode.cdn.PieceMirror;

import java.io.Serializable;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * {@link PieceMirror} over the cluster: a piece goes to the mirror member as a task on the Hazelcast
 * executor {@link ClusterMember#PIECE_MIRROR} (member connections only, behind {@link MemberGuard}), which
 * hands it to that member's {@link MirrorReceiver} (found in its Hazelcast user context). The mirror is the
 * oldest other member, so every fetch of a cluster of two copies to the one other member.
 */
public final class HazelcastPieceMirror implements PieceMirror {
    /** The key of this member's {@link MirrorReceiver} in the Hazelcast user context. */
    static final String RECEIVER = "dfly.piece-mirror.receiver";

    private final HazelcastInstance hz;
    private final Duration timeout;

    public HazelcastPieceMirror(HazelcastInstance hz, MirrorReceiver receiver, Duration timeout) {
        this.hz = hz;
        this.timeout = timeout;
        hz.getUserContext().put(RECEIVER, receiver);
    }

    @Override
    public Target target() {
        Member self = hz.getCluster().getLocalMember();
        for (Member m : hz.getCluster().getMembers()) {
            if (!m.localMember() && !m.getUuid().equals(self.getUuid())) {
                return new To(hz.getExecutorService(ClusterMember.PIECE_MIRROR), m, timeout);
            }
        }
        return null;
    }

    private record To(IExecutorService executor, Member member, Duration timeout) implements Target {
        @Override
        public String describe() {
            return member.getAddress().toString();
        }

        @Override
        public boolean copy(String taskId, int pieceSize, int piece, byte[] data, String digest) throws Exception {
            return Boolean.TRUE.equals(executor.submitToMember(new CopyPiece(taskId, pieceSize, piece, data, digest), member)
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS));
        }
    }

    /** Runs on the mirror member: hands the piece to its receiver. */
    static final class CopyPiece implements Callable<Boolean>, Serializable, HazelcastInstanceAware {
        private static final long serialVersionUID = 1L;
        private final String taskId;
        private final int pieceSize;
        private final int piece;
        private final byte[] data;
        private final String digest;
        private transient HazelcastInstance local;

        CopyPiece(String taskId, int pieceSize, int piece, byte[] data, String digest) {
            this.taskId = taskId;
            this.pieceSize = pieceSize;
            this.piece = piece;
            this.data = data;
            this.digest = digest;
        }

        @Override
        public void setHazelcastInstance(HazelcastInstance hazelcastInstance) {
            this.local = hazelcastInstance;
        }

        @Override
        public Boolean call() {
            Object receiver = local == null ? null : local.getUserContext().get(RECEIVER);
            return receiver instanceof MirrorReceiver r && r.accept(taskId, pieceSize, piece, data, digest);
        }
    }
}
