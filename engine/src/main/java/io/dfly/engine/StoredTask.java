package io.dfly.engine;

import io.dfly.core.piece.PieceSizeRule;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The pieces of one task on local disk: {@code data} (the file, pieces written at their offsets),
 * {@code pieces.log} (one line per verified piece: number, length, digest) and, once the whole file is
 * verified, {@code meta.properties} with {@code complete=true}. Only verified pieces are ever recorded,
 * so {@link #readPiece(int)} never returns unverified bytes.
 */
public final class StoredTask {
    static final String DATA = "data";
    static final String PIECES = "pieces.log";
    static final String META = "meta.properties";

    private final String taskId;
    private final Path dir;
    private final int pieceSize;
    private final FileChannel channel;
    private final Writer pieceLog;
    private final BitSet have = new BitSet();
    private final Map<Integer, String> digests = new HashMap<>();
    private final Map<Integer, Integer> lengths = new HashMap<>();
    /** The one writer allowed to write each piece not held yet (the latest to claim it). */
    private final Map<Integer, PieceWriter> writers = new HashMap<>();
    /** Held while bytes are written to a piece's place, so a claim's first write waits for an earlier writer's. */
    private final Object[] writeLocks = new Object[64];
    private final Instant created;
    private final PieceStore.WriteGuard guard;
    private volatile long contentLength;
    private volatile boolean complete;
    private volatile String fileDigest;
    /** Complete, but not yet kept for a restart ({@link #keep}); guarded by this. */
    private boolean unkept;
    private volatile long lastAccess = System.currentTimeMillis();
    private boolean closed;

    private StoredTask(String taskId, Path dir, long contentLength, int pieceSize, Instant created,
                       PieceStore.WriteGuard guard) throws IOException {
        this.taskId = taskId;
        this.guard = guard;
        for (int i = 0; i < writeLocks.length; i++) {
            writeLocks[i] = new Object();
        }
        this.dir = dir;
        this.contentLength = contentLength;
        this.pieceSize = pieceSize;
        this.created = created;
        this.channel = FileChannel.open(dir.resolve(DATA), StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        try {
            this.pieceLog = Files.newBufferedWriter(dir.resolve(PIECES), StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            channel.close();
            throw e;
        }
    }

    static StoredTask create(String taskId, Path dir, long contentLength, int pieceSize, PieceStore.WriteGuard guard)
            throws IOException {
        Files.createDirectories(dir);
        Files.deleteIfExists(dir.resolve(PIECES));
        Files.deleteIfExists(dir.resolve(META));
        return new StoredTask(taskId, dir, contentLength, pieceSize, Instant.now(), guard);
    }

    /** Loads a task completed before a restart; null when the directory holds no complete task. */
    static StoredTask loadComplete(String taskId, Path dir, PieceStore.WriteGuard guard) throws IOException {
        Path meta = dir.resolve(META);
        if (!Files.exists(meta)) {
            return null;
        }
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(meta)) {
            p.load(in);
        }
        if (!"true".equals(p.getProperty("complete"))) {
            return null;
        }
        StoredTask t = new StoredTask(taskId, dir, Long.parseLong(p.getProperty("length")),
                Integer.parseInt(p.getProperty("pieceSize")), Instant.ofEpochMilli(Long.parseLong(p.getProperty("created", "0"))),
                guard);
        for (String line : Files.readAllLines(dir.resolve(PIECES), StandardCharsets.UTF_8)) {
            String[] f = line.trim().split(" ");
            if (f.length == 3) {
                int n = Integer.parseInt(f[0]);
                t.have.set(n);
                t.lengths.put(n, Integer.parseInt(f[1]));
                t.digests.put(n, f[2]);
            }
        }
        t.fileDigest = p.getProperty("fileDigest");
        t.complete = true;
        if (Files.size(dir.resolve(DATA)) != t.contentLength
                || t.have.cardinality() != PieceSizeRule.pieceCount(t.contentLength, t.pieceSize)) {
            t.close();
            return null;
        }
        return t;
    }

    public String taskId() { return taskId; }
    public Path dir() { return dir; }
    public Path dataFile() { return dir.resolve(DATA); }
    public int pieceSize() { return pieceSize; }
    public long contentLength() { return contentLength; }
    public boolean isComplete() { return complete; }
    public String fileDigest() { return fileDigest; }
    public Instant created() { return created; }
    public Instant lastAccess() { return Instant.ofEpochMilli(lastAccess); }

    void contentLength(long length) {
        if (length >= 0) {
            contentLength = length;
        }
    }

    /** Piece count, or -1 while the length is unknown. */
    public int pieceCount() {
        long len = contentLength;
        return len < 0 ? -1 : PieceSizeRule.pieceCount(len, pieceSize);
    }

    /** Whether the task was deleted (GC, failure): its pieces are gone. */
    public synchronized boolean isRemoved() {
        return closed;
    }

    public synchronized boolean has(int n) {
        return have.get(n);
    }

    public synchronized BitSet haveCopy() {
        return (BitSet) have.clone();
    }

    public synchronized int piecesHeld() {
        return have.cardinality();
    }

    public synchronized String pieceDigest(int n) {
        return digests.get(n);
    }

    /**
     * The right to write one piece's bytes. Claiming a piece takes that right from any earlier writer (a fetch the
     * download stopped waiting for): from then on only the new writer's bytes reach the piece's place, so a late
     * write can never land over bytes that were verified after it.
     */
    static final class PieceWriter {
        final int piece;

        private PieceWriter(int piece) {
            this.piece = piece;
        }
    }

    /** Makes {@code w} the only writer of piece {@code n} from now on. */
    synchronized PieceWriter claim(int n) {
        PieceWriter w = new PieceWriter(n);
        writers.put(n, w);
        return w;
    }

    /** Writes a piece the caller has verified against {@code digest}; from then on it is served and read. */
    public void writePiece(int n, byte[] data, int length, String digest) throws IOException {
        synchronized (this) {
            if (closed) {
                throw new IOException("task " + taskId + " was removed");
            }
            if (have.get(n)) {
                return;
            }
        }
        PieceWriter w = claim(n);
        writeUnverified(w, 0, ByteBuffer.wrap(data, 0, length));
        commitPiece(w, length, digest);
    }

    /**
     * Writes bytes of a piece this task does not hold yet, at {@code offsetInPiece}. Nothing reads them
     * until {@link #commitPiece} records the piece as verified, so a piece can be streamed to disk while
     * its digest is still being computed.
     *
     * @throws IOException also when {@code w} is no longer the piece's writer (no byte is written then)
     */
    void writeUnverified(PieceWriter w, int offsetInPiece, ByteBuffer src) throws IOException {
        int n = w.piece;
        synchronized (writeLocks[n & (writeLocks.length - 1)]) {
            synchronized (this) {
                check(w);
            }
            guard.beforeWrite(src.remaining());
            long pos = (long) n * pieceSize + offsetInPiece;
            while (src.hasRemaining()) {
                pos += channel.write(src, pos);
            }
        }
    }

    private void check(PieceWriter w) throws IOException {
        if (closed) {
            throw new IOException("task " + taskId + " was removed");
        }
        if (have.get(w.piece)) {
            throw new IOException("piece " + w.piece + " of task " + taskId + " is already held");
        }
        if (writers.get(w.piece) != w) {
            throw new IOException("piece " + w.piece + " of task " + taskId + " is written by a newer fetch");
        }
    }

    /** Records a piece whose bytes are on disk and verified against {@code digest}: it is served from now on. */
    void commitPiece(PieceWriter w, int length, String digest) throws IOException {
        int n = w.piece;
        synchronized (writeLocks[n & (writeLocks.length - 1)]) {
            synchronized (this) {
                if (closed) {
                    throw new IOException("task " + taskId + " was removed");
                }
                if (have.get(n)) {
                    return;
                }
                check(w);
                guard.beforeWrite(0);
                pieceLog.write(n + " " + length + " " + digest + "\n");
                pieceLog.flush();
                lengths.put(n, length);
                digests.put(n, digest);
                have.set(n);
                writers.remove(n);
                lastAccess = System.currentTimeMillis();
            }
        }
    }

    /** Length of a held piece, or -1 when it is not held (or the task was removed). */
    public synchronized int pieceLength(int n) {
        if (closed || !have.get(n)) {
            return -1;
        }
        return lengths.get(n);
    }

    /**
     * Reads bytes of a held piece from {@code offsetInPiece} into {@code dst} (as many as fit, up to the
     * piece's end), straight from the file: no copy of the whole piece is made.
     *
     * @return bytes read (0 at the piece's end), or -1 when the piece is not held
     */
    public int read(int n, int offsetInPiece, ByteBuffer dst) throws IOException {
        int length = pieceLength(n);
        if (length < 0) {
            return -1;
        }
        int want = Math.min(dst.remaining(), length - offsetInPiece);
        if (want <= 0) {
            return 0;
        }
        ByteBuffer window = dst.slice(dst.position(), want);
        long pos = (long) n * pieceSize + offsetInPiece;
        while (window.hasRemaining()) {
            int r = channel.read(window, pos + window.position());
            if (r < 0) {
                throw new IOException("piece " + n + " of task " + taskId + " is truncated on disk");
            }
        }
        dst.position(dst.position() + want);
        lastAccess = System.currentTimeMillis();
        return want;
    }

    /** The bytes of a held piece, or null if the piece is not held (tests and small pieces only: it copies the piece). */
    public byte[] readPiece(int n) throws IOException {
        int length = pieceLength(n);
        if (length < 0) {
            return null;
        }
        byte[] data = new byte[length];
        ByteBuffer buf = ByteBuffer.wrap(data);
        while (buf.hasRemaining()) {
            if (read(n, buf.position(), buf) < 0) {
                return null;
            }
        }
        return data;
    }

    /**
     * Marks the whole file verified: it is complete, served and read from now on. It is kept for a restart
     * only once {@link #keep} (or {@link #close}) has put its bytes on disk and then written
     * {@code meta.properties}: a download answers its callers without waiting for that {@code fsync}.
     */
    synchronized void markComplete(long length, String digest) throws IOException {
        contentLength = length;
        channel.truncate(length);
        fileDigest = digest;
        complete = true;
        unkept = true;
    }

    /**
     * Keeps a complete task for a restart: its data on disk ({@code fsync}) before the file that says it is
     * complete. The {@code fsync} runs outside this task's lock (its pieces are served meanwhile). Nothing to
     * do when it is kept already, or removed (then nothing is kept).
     */
    void keep() throws IOException {
        synchronized (this) {
            if (!unkept || closed) {
                return;
            }
        }
        try {
            forceData();
        } catch (java.nio.channels.ClosedByInterruptException e) {
            return; // the engine is shutting down: close() keeps it
        } catch (IOException e) {
            synchronized (this) {
                if (closed) {
                    return; // removed meanwhile (GC): nothing to keep
                }
            }
            throw e;
        }
        synchronized (this) {
            if (unkept && !closed) {
                writeMeta();
            }
        }
    }

    /**
     * {@code fsync} of the data file through a channel of its own: an interrupt (a shutting-down engine's) closes
     * that one, never the one the pieces are served from.
     */
    private void forceData() throws IOException {
        try (FileChannel ch = FileChannel.open(dir.resolve(DATA), StandardOpenOption.WRITE)) {
            ch.force(true);
        }
    }

    /** Writes {@code meta.properties} (complete) through a temporary file; the data is on disk already. Holds the lock. */
    private void writeMeta() throws IOException {
        Properties p = new Properties();
        p.setProperty("complete", "true");
        p.setProperty("length", String.valueOf(contentLength));
        p.setProperty("pieceSize", String.valueOf(pieceSize));
        p.setProperty("created", String.valueOf(created.toEpochMilli()));
        if (fileDigest != null) {
            p.setProperty("fileDigest", fileDigest);
        }
        Path tmp = dir.resolve(META + ".tmp");
        try {
            guard.beforeWrite(0);
            try (OutputStream out = Files.newOutputStream(tmp)) {
                p.store(out, "dfly task " + taskId);
            }
            Files.move(tmp, dir.resolve(META), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            Files.deleteIfExists(tmp); // never a half-written meta that could pass for complete
            throw e;
        }
        unkept = false;
    }

    public long sizeOnDisk() {
        try {
            return Files.size(dataFile());
        } catch (IOException e) {
            return 0;
        }
    }

    /** Closes the task's files, keeping it for a restart first if it is complete and not kept yet (shutdown). */
    synchronized void close() {
        if (!closed && unkept) {
            try {
                forceData();
                writeMeta();
            } catch (IOException ignored) {
                // not kept: after a restart it is downloaded again
            }
        }
        discard();
    }

    /** Closes the task's files without keeping anything more (it is being deleted). */
    synchronized void discard() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        try {
            pieceLog.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    List<Integer> heldPieces() {
        synchronized (this) {
            return have.stream().boxed().toList();
        }
    }
}
