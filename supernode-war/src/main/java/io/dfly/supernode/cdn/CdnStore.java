package io.dfly.supernode.cdn;

import io.dfly.core.task.TaskIds;
import io.dfly.spi.CachedTask;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.function.LongSupplier;
import java.util.stream.Stream;

/**
 * This member's CDN copy of tasks: {@code <data-dir>/tasks/<taskId>/data}, written at piece offsets,
 * and which pieces of it are complete with their digests. Task ids are validated before any path is
 * built, so nothing outside the data dir is ever read or written.
 */
public final class CdnStore {
    private final Path tasksDir;
    private final LongSupplier clock;
    private final Map<String, LocalTask> tasks = new ConcurrentHashMap<>();

    /** A piece ready to serve. */
    public record PieceRef(Path file, long offset, int length, String digest) {
    }

    private static final class LocalTask {
        final BitSet pieces = new BitSet();
        final Map<Integer, String> digests = new ConcurrentHashMap<>();
        final Map<Integer, Integer> lengths = new ConcurrentHashMap<>();
        volatile int pieceSize;
        final long createdMillis;
        volatile long lastAccessMillis;
        volatile int writers;

        LocalTask(int pieceSize, long now) {
            this.pieceSize = pieceSize;
            this.createdMillis = now;
            this.lastAccessMillis = now;
        }
    }

    public CdnStore(Path dataDir, LongSupplier clock) {
        this.tasksDir = dataDir.resolve("tasks");
        this.clock = clock;
        try {
            // piece knowledge is kept in memory only: a restarted member starts with an empty CDN
            deleteTree(tasksDir);
            Files.createDirectories(tasksDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The task's folder; throws IllegalArgumentException for anything but a valid task id. */
    public Path taskDir(String taskId) {
        TaskIds.requireValid(taskId);
        Path dir = tasksDir.resolve(taskId).normalize();
        if (!dir.getParent().equals(tasksDir.normalize())) {
            throw new IllegalArgumentException("invalid task id");
        }
        return dir;
    }

    private Path dataFile(String taskId) {
        return taskDir(taskId).resolve("data");
    }

    /** Opens the task's file for writing pieces (creating it); the caller closes the channel. */
    public FileChannel openForWrite(String taskId, int pieceSize) throws IOException {
        Path dir = taskDir(taskId);
        Files.createDirectories(dir);
        LocalTask t = tasks.computeIfAbsent(taskId, k -> new LocalTask(pieceSize, clock.getAsLong()));
        t.pieceSize = pieceSize;
        return FileChannel.open(dir.resolve("data"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    }

    /** Marks a fetch from the origin running (the task is then never evicted) or over. */
    public void writing(String taskId, boolean running) {
        LocalTask t = tasks.get(taskId);
        if (t != null) {
            synchronized (t) {
                t.writers += running ? 1 : -1;
            }
        }
    }

    /** Writes one piece at its offset and records it as complete. */
    public void writePiece(FileChannel channel, String taskId, int piece, byte[] data, int length, String digest)
            throws IOException {
        LocalTask t = tasks.get(taskId);
        if (t == null) {
            throw new IOException("task " + taskId + " is no longer stored here");
        }
        ByteBuffer buf = ByteBuffer.wrap(data, 0, length);
        long pos = (long) piece * t.pieceSize;
        while (buf.hasRemaining()) {
            pos += channel.write(buf, pos);
        }
        t.digests.put(piece, digest);
        t.lengths.put(piece, length);
        synchronized (t) {
            t.pieces.set(piece);
        }
        t.lastAccessMillis = clock.getAsLong();
    }

    /** The piece, if this member holds it. */
    public Optional<PieceRef> piece(String taskId, int piece) {
        TaskIds.requireValid(taskId);
        LocalTask t = tasks.get(taskId);
        if (t == null || piece < 0) {
            return Optional.empty();
        }
        synchronized (t) {
            if (!t.pieces.get(piece)) {
                return Optional.empty();
            }
        }
        t.lastAccessMillis = clock.getAsLong();
        return Optional.of(new PieceRef(dataFile(taskId), (long) piece * t.pieceSize, t.lengths.get(piece),
                t.digests.get(piece)));
    }

    /** Whether a fetch from the origin is writing the task here now. */
    public boolean isWriting(String taskId) {
        LocalTask t = tasks.get(taskId);
        return t != null && t.writers > 0;
    }

    /** Tasks stored here that no fetch is writing now. */
    public List<String> idleTaskIds() {
        List<String> out = new ArrayList<>();
        tasks.forEach((id, t) -> {
            if (t.writers <= 0) {
                out.add(id);
            }
        });
        return out;
    }

    public boolean holds(String taskId) {
        return tasks.containsKey(taskId);
    }

    /** Pieces this member holds of the task. */
    public BitSet pieces(String taskId) {
        LocalTask t = tasks.get(taskId);
        if (t == null) {
            return new BitSet();
        }
        synchronized (t) {
            return (BitSet) t.pieces.clone();
        }
    }

    /** Every task stored here, for GC; {@code active} says which have a download running elsewhere. */
    public List<CachedTask> cachedTasks(Predicate<String> active) {
        List<CachedTask> out = new ArrayList<>();
        for (Map.Entry<String, LocalTask> e : tasks.entrySet()) {
            LocalTask t = e.getValue();
            out.add(new CachedTask(e.getKey(), sizeOnDisk(e.getKey()), Instant.ofEpochMilli(t.createdMillis),
                    Instant.ofEpochMilli(t.lastAccessMillis), t.writers > 0 || active.test(e.getKey())));
        }
        return out;
    }

    /** Deletes the task's files; returns the bytes freed. */
    public long delete(String taskId) {
        long size = sizeOnDisk(taskId);
        tasks.remove(taskId);
        try {
            deleteTree(taskDir(taskId));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return size;
    }

    public long sizeOnDisk(String taskId) {
        try {
            Path f = dataFile(taskId);
            return Files.exists(f) ? Files.size(f) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
