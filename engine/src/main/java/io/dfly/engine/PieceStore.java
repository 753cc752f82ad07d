package io.dfly.engine;

import io.dfly.core.task.TaskIds;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * All tasks on this host's disk, under {@code <dataDir>/tasks/<taskId>/}. Completed tasks are found again
 * after a restart; unfinished ones are thrown away at startup (their pieces are cheap to fetch again).
 */
public final class PieceStore implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(PieceStore.class.getName());
    private final Path root;
    private final Map<String, StoredTask> tasks = new HashMap<>();
    /** Called before each write to a task's files; tests make it throw (a full disk). */
    interface WriteGuard {
        void beforeWrite(long bytes) throws IOException;
    }

    private volatile WriteGuard guard = bytes -> { };
    private final WriteGuard current = bytes -> guard.beforeWrite(bytes);

    public PieceStore(Path dataDir) {
        this.root = dataDir.resolve("tasks");
        try {
            Files.createDirectories(root);
            try (Stream<Path> dirs = Files.list(root)) {
                for (Path dir : dirs.toList()) {
                    String id = dir.getFileName().toString();
                    StoredTask t = TaskIds.isValid(id) ? StoredTask.loadComplete(id, dir, current) : null;
                    if (t != null) {
                        tasks.put(id, t);
                    } else {
                        deleteTree(dir);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot use data dir " + dataDir, e);
        }
    }

    public Path root() {
        return root;
    }

    /** The task's store, created empty if absent (an existing one is returned as is). */
    public synchronized StoredTask create(String taskId, long contentLength, int pieceSize) throws IOException {
        TaskIds.requireValid(taskId);
        StoredTask t = tasks.get(taskId);
        if (t != null) {
            t.contentLength(contentLength);
            return t;
        }
        try {
            t = StoredTask.create(taskId, root.resolve(taskId), contentLength, pieceSize, current);
        } catch (IOException e) {
            deleteTree(root.resolve(taskId)); // nothing half-made is left behind
            throw e;
        }
        tasks.put(taskId, t);
        return t;
    }

    /** Replaces the hook called before every write (tests: a disk that is full). */
    void writeGuard(WriteGuard g) {
        guard = g == null ? bytes -> { } : g;
    }

    public synchronized Optional<StoredTask> find(String taskId) {
        return Optional.ofNullable(tasks.get(taskId));
    }

    public synchronized Optional<StoredTask> findComplete(String taskId) {
        StoredTask t = tasks.get(taskId);
        return t != null && t.isComplete() ? Optional.of(t) : Optional.empty();
    }

    public synchronized List<StoredTask> all() {
        return new ArrayList<>(tasks.values());
    }

    /** Removes the task and its files (pieces stop being served at once). */
    public void delete(String taskId) {
        StoredTask t;
        synchronized (this) {
            t = tasks.remove(taskId);
        }
        if (t != null) {
            t.discard();
            deleteTree(t.dir());
        }
    }

    @Override
    public synchronized void close() {
        tasks.values().forEach(StoredTask::close);
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            LOG.log(Level.FINE, "could not delete " + dir, e);
        }
    }
}
