package io.dfly.supernode.task;

import java.io.Serializable;

/**
 * A change to (or read of) one task, run atomically where the task lives. {@code record} is null
 * when the task does not exist; return {@link Result#of} with the new record (null removes it).
 */
@FunctionalInterface
public interface TaskAction<R> extends Serializable {
    Result<R> apply(TaskRecord record);

    /** What an action answers, and the record to store (or null to delete). */
    record Result<R>(TaskRecord record, R answer) {
        public static <R> Result<R> of(TaskRecord record, R answer) {
            return new Result<>(record, answer);
        }
    }
}
