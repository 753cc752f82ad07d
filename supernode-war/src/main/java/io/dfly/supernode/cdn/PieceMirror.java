package io.dfly.supernode.cdn;

/**
 * Where a member fetching a task from the origin copies each piece it publishes: one other cluster member
 * (its mirror), which writes it and becomes a seed of it ({@link MirrorReceiver}). A fetcher that dies
 * then loses only the pieces it had read but not yet copied: the survivor resumes after the mirrored ones
 * and can still check the whole file (it holds every piece before the resume point).
 *
 * <p>{@link BackToSource} copies each piece before it publishes the next one, so the fetcher is never
 * more than its few piece buffers ahead of the mirror: what the origin must send again after a take-over
 * is bounded by design, not by how far the peers downloading the task have got.
 */
public interface PieceMirror {
    /** No other member (a cluster of one, or tests): nothing is copied. */
    PieceMirror NONE = new PieceMirror() {
        @Override
        public Target target() {
            return null;
        }
    };

    /** The member to copy a new fetch's pieces to, or null when there is none. */
    Target target();

    /** One mirror member, for one fetch. */
    interface Target {
        /** Which member it is (for the log). */
        String describe();

        /**
         * Copies one published piece there and waits for its answer: true once that member holds it as a
         * seed, false if it refused it; throws when it could not be reached (gone, timed out).
         */
        boolean copy(String taskId, int pieceSize, int piece, byte[] data, String digest) throws Exception;
    }
}
