package io.dfly.spi;

import java.time.Instant;

/**
 * A task whose pieces are on local disk.
 *
 * @param taskId     the task id
 * @param sizeBytes  bytes it uses on disk
 * @param created    when it was first stored
 * @param lastAccess when it was last read or written
 * @param active     whether a download or upload of it is running now (never evicted)
 */
public record CachedTask(String taskId, long sizeBytes, Instant created, Instant lastAccess, boolean active) {
}
