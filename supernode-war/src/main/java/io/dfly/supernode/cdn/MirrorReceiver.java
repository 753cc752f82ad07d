package io.dfly.supernode.cdn;

import io.dfly.core.piece.Digests;
import io.dfly.core.task.TaskIds;
import io.dfly.core.security.SafeText;
import io.dfly.supernode.task.SeedIdentity;
import io.dfly.supernode.task.TaskAction.Result;
import io.dfly.supernode.task.TaskSignals;
import io.dfly.supernode.task.TaskStore;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.util.function.LongSupplier;
import java.util.logging.Logger;

/**
 * The mirror's side of {@link PieceMirror}: a piece another member fetched from the origin and copied
 * here. It is written to this member's CDN copy and this member becomes a seed of it, but only when its
 * bytes hash to the digest the grid already published for that piece of a task being fetched (a copy
 * never introduces a digest), and never for a task this member is fetching itself.
 */
public final class MirrorReceiver {
    private static final Logger LOG = Logger.getLogger(MirrorReceiver.class.getName());

    private final TaskStore store;
    private final CdnStore cdn;
    private final SeedIdentity self;
    private final LongSupplier clock;
    private final TaskSignals signals;

    public MirrorReceiver(TaskStore store, CdnStore cdn, SeedIdentity self, LongSupplier clock, TaskSignals signals) {
        this.store = store;
        this.cdn = cdn;
        this.self = self;
        this.clock = clock;
        this.signals = signals;
    }

    /** Writes and records one copied piece; returns whether this member now holds it as a seed. */
    public boolean accept(String taskId, int pieceSize, int piece, byte[] data, String digest) {
        if (!TaskIds.isValid(taskId) || piece < 0 || pieceSize <= 0 || data == null || data.length > pieceSize
                || digest == null || !digest.equals(Digests.sha256(data, 0, data.length))) {
            return false;
        }
        if (cdn.isWriting(taskId)) {
            return false; // this member fetches the task itself
        }
        String member = self.memberId();
        Boolean expected = store.read(taskId, r -> Result.of(r, r != null && r.pieceSize() == pieceSize
                && !member.equals(r.seederMember()) && digest.equals(r.swarm() == null ? null : r.swarm().digest(piece))));
        if (!Boolean.TRUE.equals(expected)) {
            return false;
        }
        try (FileChannel ch = cdn.openForWrite(taskId, pieceSize)) {
            cdn.writePiece(ch, taskId, piece, data, data.length, digest);
        } catch (IOException e) {
            String why = SafeText.scrub(String.valueOf(e.getMessage()));
            LOG.warning(() -> "task " + taskId + ": cannot keep the mirrored piece " + piece + ": " + why);
            return false;
        }
        String sourceId = self.sourceId();
        String baseUrl = self.baseUrl();
        long now = clock.getAsLong();
        Boolean recorded = store.update(taskId, r -> r == null ? Result.of(null, false)
                : Result.of(r, r.mirrored(member, sourceId, baseUrl, piece, digest, now)));
        if (Boolean.TRUE.equals(recorded)) {
            signals.signal(taskId);
            return true;
        }
        return false;
    }
}
