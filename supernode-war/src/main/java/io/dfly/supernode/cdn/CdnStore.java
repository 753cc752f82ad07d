package io.dfly.supernode.cdn;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dfly.core.piece.Digests;
import io.dfly.core.piece.PieceSizeRule;
import io.dfly.core.security.SafeText;
import io.dfly.core.task.TaskIds;
import io.dfly.spi.CachedTask;
import io.dfly.supernode.config.SupernodeSettings;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * This member's CDN copy of tasks: {@code <data-dir>/tasks/<taskId>/data}, written at piece offsets,
 * and which pieces of it are complete with their digests. Task ids are validated before any path is
 * built, so nothing outside the data dir is ever read or written.
 *
 * <p>A complete copy has a {@code meta.json} beside its data ({@link TaskMeta}: lengths and every digest,
 * the URL only as {@code SafeUrls.display} shows it, never a header), written last and atomically: after
 * a restart {@link #recover} loads every complete copy whose data has the right size and deletes every
 * other leftover. A recovered piece is hashed again the first time it is served; one that no longer
 * matches its digest drops the whole copy (and {@link #onCorrupt} is told).
 *
 * <p>A write that fails is a {@link WriteFailure} naming the data dir and its property, in one line.
 */
public final class CdnStore {
    private static final Logger LOG = Logger.getLogger(CdnStore.class.getName());
    static final String META = "meta.json";
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private final Path dataDir;
    private final Path tasksDir;
    private final LongSupplier clock;
    private final ChannelOpener opener;
    private final Map<String, LocalTask> tasks = new ConcurrentHashMap<>();
    private volatile Consumer<String> onCorrupt = id -> { };

    /** A piece ready to serve. */
    public record PieceRef(Path file, long offset, int length, String digest) {
    }

    /**
     * What {@code meta.json} keeps of a complete copy.
     *
     * @param displayUrl the URL as {@code SafeUrls.display} shows it (no query, no user info)
     * @param fileDigest the whole file's digest as computed (null when it could not be: a resumed fetch)
     */
    public record TaskMeta(String taskId, String displayUrl, long contentLength, int pieceSize,
                           List<String> pieceDigests, String fileDigest, String expectedDigest, boolean complete) {
    }

    /** Opens a task's data file for writing (tests put a failing file system here). */
    @FunctionalInterface
    interface ChannelOpener {
        FileChannel open(Path file) throws IOException;
    }

    /** A write to the data dir failed (disk full, I/O error): the message is one line naming the data dir. */
    public static final class WriteFailure extends IOException {
        private final boolean noSpace;

        WriteFailure(String message, boolean noSpace, Throwable cause) {
            super(message, cause);
            this.noSpace = noSpace;
        }

        /** Whether the file system is full. */
        public boolean noSpace() {
            return noSpace;
        }
    }

    private static final class LocalTask {
        final BitSet pieces = new BitSet();
        /** Pieces recovered from disk and not yet hashed again since. */
        final BitSet unverified = new BitSet();
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

    /** Keeps what {@code <data-dir>/tasks/} holds: call {@link #recover} once at start. */
    public CdnStore(Path dataDir, LongSupplier clock) {
        this(dataDir, clock, file -> FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE));
    }

    CdnStore(Path dataDir, LongSupplier clock, ChannelOpener opener) {
        this.dataDir = dataDir;
        this.tasksDir = dataDir.resolve("tasks");
        this.clock = clock;
        this.opener = opener;
        try {
            Files.createDirectories(tasksDir);
        } catch (IOException e) {
            throw new UncheckedIOException(writeFailure("cannot create " + tasksDir, e));
        }
    }

    /** Told the id of a task whose recovered copy turned out corrupt (the copy is already deleted). */
    public void onCorrupt(Consumer<String> listener) {
        this.onCorrupt = listener;
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

    /**
     * The one-line failure of a write in the data dir: {@code no space left in <data-dir> (dfly.supernode.data-dir)}
     * when the file system is full, else {@code cannot write to <data-dir> (dfly.supernode.data-dir): <why>}.
     */
    WriteFailure writeFailure(String what, IOException e) {
        if (e instanceof WriteFailure w) {
            return w;
        }
        if (isNoSpace(e)) {
            return new WriteFailure("no space left in " + dataDir + " (" + SupernodeSettings.DATA_DIR + ")", true, e);
        }
        String why = e.getMessage() == null ? e.getClass().getSimpleName() : SafeText.scrub(e.getMessage());
        return new WriteFailure("cannot write to " + dataDir + " (" + SupernodeSettings.DATA_DIR + "): " + what + ": "
                + why.replace('\n', ' '), false, e);
    }

    /** ENOSPC (Linux, macOS), "not enough space" (Windows), a quota. */
    static boolean isNoSpace(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = t.getMessage();
            if (t instanceof FileSystemException fs && fs.getReason() != null) {
                m = fs.getReason();
            }
            if (m != null) {
                String l = m.toLowerCase(Locale.ROOT);
                if (l.contains("no space left") || l.contains("not enough space") || l.contains("disk quota exceeded")) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Opens the task's file for writing pieces (creating it); the caller closes the channel. */
    public FileChannel openForWrite(String taskId, int pieceSize) throws WriteFailure {
        Path dir = taskDir(taskId);
        LocalTask t = tasks.computeIfAbsent(taskId, k -> new LocalTask(pieceSize, clock.getAsLong()));
        t.pieceSize = pieceSize;
        try {
            Files.createDirectories(dir);
            return opener.open(dir.resolve("data"));
        } catch (IOException e) {
            throw writeFailure("task " + taskId, e);
        }
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

    /**
     * Writes one piece at its offset and records it as complete. A piece already held with this digest
     * is not written again (a fetch that restarted from the first byte re-reads it only to check it).
     */
    public void writePiece(FileChannel channel, String taskId, int piece, byte[] data, int length, String digest)
            throws IOException {
        LocalTask t = tasks.get(taskId);
        if (t == null) {
            throw new IOException("task " + taskId + " is no longer stored here");
        }
        synchronized (t) {
            if (t.pieces.get(piece) && digest.equals(t.digests.get(piece)) && !t.unverified.get(piece)) {
                return;
            }
            // being rewritten: not served meanwhile
            t.pieces.clear(piece);
        }
        ByteBuffer buf = ByteBuffer.wrap(data, 0, length);
        long pos = (long) piece * t.pieceSize;
        try {
            while (buf.hasRemaining()) {
                pos += channel.write(buf, pos);
            }
        } catch (IOException e) {
            throw writeFailure("task " + taskId + " piece " + piece, e);
        }
        t.digests.put(piece, digest);
        t.lengths.put(piece, length);
        synchronized (t) {
            t.pieces.set(piece);
            t.unverified.clear(piece);
        }
        t.lastAccessMillis = clock.getAsLong();
    }

    /** The digests of pieces 0 .. count-1 if this member holds every one of them, else empty. */
    public Optional<List<String>> allDigests(String taskId, int count) {
        LocalTask t = tasks.get(taskId);
        if (t == null || count < 0) {
            return Optional.empty();
        }
        List<String> out = new ArrayList<>(count);
        synchronized (t) {
            if (t.pieces.nextClearBit(0) < count) {
                return Optional.empty();
            }
            for (int n = 0; n < count; n++) {
                out.add(t.digests.get(n));
            }
        }
        return Optional.of(out);
    }

    /**
     * Writes {@code meta.json} beside a complete copy (to a temporary file, then renamed over it), so a
     * restarted member serves it again without the origin. Nothing is written unless every piece is here.
     */
    public void writeMeta(TaskMeta meta) throws IOException {
        Path dir = taskDir(meta.taskId());
        Optional<List<String>> held = allDigests(meta.taskId(), meta.pieceDigests().size());
        if (held.isEmpty() || !held.get().equals(meta.pieceDigests()) || !meta.complete()) {
            throw new IOException("task " + meta.taskId() + " is not complete here");
        }
        Path tmp = dir.resolve(META + ".tmp");
        try {
            Files.write(tmp, JSON.writeValueAsBytes(meta));
            try (FileChannel data = FileChannel.open(dir.resolve("data"), StandardOpenOption.WRITE)) {
                data.force(true); // the pieces are on disk before the file that says they are
            }
            try {
                Files.move(tmp, dir.resolve(META), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, dir.resolve(META), StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            throw writeFailure("task " + meta.taskId() + " " + META, e);
        }
    }

    /** Deletes the task's {@code meta.json} (the copy is no longer to be kept over a restart). */
    public void forgetMeta(String taskId) {
        try {
            Files.deleteIfExists(taskDir(taskId).resolve(META));
        } catch (IOException e) {
            LOG.warning(() -> "cannot delete " + META + " of task " + taskId + ": " + e.getMessage());
        }
    }

    /**
     * At start: every complete copy under {@code <data-dir>/tasks/} (a valid {@code meta.json} whose data
     * file has its length) is loaded, its pieces served again (each hashed once before it is first
     * served); everything else there is deleted. Returns the copies loaded.
     */
    public List<TaskMeta> recover() {
        List<TaskMeta> out = new ArrayList<>();
        List<Path> leftovers = new ArrayList<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(tasksDir)) {
            for (Path dir : dirs) {
                TaskMeta meta = readMeta(dir);
                if (meta == null) {
                    leftovers.add(dir);
                    continue;
                }
                LocalTask t = new LocalTask(meta.pieceSize(), clock.getAsLong());
                for (int n = 0; n < meta.pieceDigests().size(); n++) {
                    t.digests.put(n, meta.pieceDigests().get(n));
                    t.lengths.put(n, PieceSizeRule.pieceLength(meta.contentLength(), meta.pieceSize(), n));
                }
                t.pieces.set(0, meta.pieceDigests().size());
                t.unverified.set(0, meta.pieceDigests().size());
                tasks.put(meta.taskId(), t);
                out.add(meta);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (Path dir : leftovers) {
            try {
                deleteTree(dir);
            } catch (IOException e) {
                LOG.warning(() -> "cannot delete the incomplete leftover " + dir + ": " + e.getMessage());
            }
        }
        if (!leftovers.isEmpty()) {
            LOG.info(() -> "CDN: deleted " + leftovers.size() + " incomplete leftover(s) under " + tasksDir);
        }
        return out;
    }

    /** The dir's meta.json if it describes a complete copy of the task the dir is named for, with its data. */
    private static TaskMeta readMeta(Path dir) {
        String name = dir.getFileName().toString();
        Path file = dir.resolve(META);
        if (!TaskIds.isValid(name) || !Files.isRegularFile(file)) {
            return null;
        }
        try {
            TaskMeta m = JSON.readValue(Files.readAllBytes(file), TaskMeta.class);
            if (!m.complete() || !name.equals(m.taskId()) || m.contentLength() < 0 || m.pieceSize() <= 0
                    || m.pieceSize() > PieceSizeRule.MAX_PIECE_SIZE || m.pieceDigests() == null
                    || m.pieceDigests().size() != PieceSizeRule.pieceCount(m.contentLength(), m.pieceSize())
                    || !m.pieceDigests().stream().allMatch(Digests::isValid)
                    || (m.fileDigest() != null && !Digests.isValid(m.fileDigest()))
                    || (m.expectedDigest() != null && !Digests.isValid(m.expectedDigest()))) {
                return null;
            }
            Path data = dir.resolve("data");
            if (!Files.isRegularFile(data) || Files.size(data) != m.contentLength()) {
                return null;
            }
            return m;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** The piece, if this member holds it (a recovered piece is hashed once first; a mismatch drops the copy). */
    public Optional<PieceRef> piece(String taskId, int piece) {
        TaskIds.requireValid(taskId);
        LocalTask t = tasks.get(taskId);
        if (t == null || piece < 0) {
            return Optional.empty();
        }
        boolean check;
        synchronized (t) {
            if (!t.pieces.get(piece)) {
                return Optional.empty();
            }
            check = t.unverified.get(piece);
        }
        t.lastAccessMillis = clock.getAsLong();
        PieceRef ref = new PieceRef(dataFile(taskId), (long) piece * t.pieceSize, t.lengths.get(piece), t.digests.get(piece));
        if (check) {
            if (!matches(ref)) {
                LOG.warning(() -> "CDN: piece " + piece + " of task " + taskId + " on disk no longer matches its digest;"
                        + " the copy is deleted");
                delete(taskId);
                onCorrupt.accept(taskId);
                return Optional.empty();
            }
            synchronized (t) {
                t.unverified.clear(piece);
            }
        }
        return Optional.of(ref);
    }

    /**
     * Feeds pieces 0 .. count-1 of this member's copy, in order, to {@code into}, each checked against its
     * digest as it is read. Returns false (and {@code into} is then of no use) when a piece is missing or
     * no longer matches.
     */
    public boolean hashPieces(String taskId, int count, MessageDigest into) {
        for (int n = 0; n < count; n++) {
            Optional<PieceRef> ref = piece(taskId, n);
            if (ref.isEmpty() || !matches(ref.get(), into)) {
                return false;
            }
        }
        return true;
    }

    private static boolean matches(PieceRef ref) {
        return matches(ref, null);
    }

    /** Whether the piece on disk hashes to its digest; its bytes also go to {@code also} when not null. */
    private static boolean matches(PieceRef ref, MessageDigest also) {
        MessageDigest md = Digests.newSha256();
        try (FileChannel ch = FileChannel.open(ref.file(), StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocate(256 * 1024);
            long pos = ref.offset();
            long left = ref.length();
            while (left > 0) {
                buf.clear().limit((int) Math.min(buf.capacity(), left));
                int r = ch.read(buf, pos);
                if (r < 0) {
                    return false;
                }
                md.update(buf.array(), 0, r);
                if (also != null) {
                    also.update(buf.array(), 0, r);
                }
                pos += r;
                left -= r;
            }
        } catch (IOException e) {
            return false;
        }
        return Digests.format(md).equals(ref.digest());
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

    /** Deletes the task's files (data and meta.json); returns the bytes freed. */
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
