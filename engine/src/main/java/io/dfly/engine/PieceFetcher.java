package io.dfly.engine;

import io.dfly.core.config.ByteSize;
import io.dfly.core.piece.Digests;
import io.dfly.core.protocol.PieceAssignment;
import io.dfly.core.security.HostTokens;
import io.dfly.core.security.PieceGrants;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Fetches one assigned piece from its source over HTTP and checks it: status 200, exactly the assigned
 * length, and the assigned sha256. The bytes stream straight into the piece's place in the local file
 * (64 KiB at a time, never a whole-piece array) and count as held only after every check passed:
 * bytes that fail a check are never served or read. No origin header is ever sent to a peer: a piece
 * request carries only this host's token (minted for {@code GET} and the piece's raw path) and the
 * supernode's grant for this piece ({@code X-Dfly-Grant}), which the source checks before sending a byte.
 *
 * <p>Every fetch has a total deadline {@code D}, {@value #DEADLINE_FLOOR_SECONDS} s plus its length {@code L}
 * at the floor rate ({@code dfly.dfdaemon.piece-min-rate}), and must keep pace with it on the way: once the
 * source has had {@code t} seconds, it must have sent at least {@code L × (t − G) / D} bytes, with a grace
 * {@code G} of {@value #PACE_GRACE_SECONDS} s (for connecting, the answer's head and the first bytes, and for
 * short stalls later). A source that falls behind is cut there and then, long before {@code D}: one that
 * trickles 1 KB/s fails a 4 MiB piece after about {@code G} (the deadline alone took 14 s). The rule never
 * cuts a source that sends at a steady rate fast enough to meet {@code D} (it is at least {@code L / D}, so it
 * is never behind), and a source that was fast at first builds up credit. Time this host spends waiting for
 * its own download limit counts neither for the deadline nor for the pace: {@code t} is the source's time.
 * A watchdog closes the connection when the deadline passes or the source falls behind, so a source that
 * trickles or goes silent fails at once, whatever it does; the deadline stays the outer bound.
 */
public final class PieceFetcher implements AutoCloseable {
    private static final int CHUNK = 64 * 1024;
    private static final int CONNECT_TIMEOUT_MS = 5_000;
    static final int DEADLINE_FLOOR_SECONDS = 10;
    static final int PACE_GRACE_SECONDS = 2;
    /** The watchdog looks again at most this often (a source right on pace would otherwise keep it busy). */
    private static final long MIN_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
    private final TokenBucket downloadBucket;
    private final HostTokens tokens;
    private final String peerId;
    private final long minRate;
    /** The fixed part of every deadline ({@value #DEADLINE_FLOOR_SECONDS} s; tests shorten it). */
    volatile long floorNanos = TimeUnit.SECONDS.toNanos(DEADLINE_FLOOR_SECONDS);
    /** How far behind the deadline's pace a source may fall ({@value #PACE_GRACE_SECONDS} s; tests change it). */
    volatile long paceGraceNanos = TimeUnit.SECONDS.toNanos(PACE_GRACE_SECONDS);
    private final PieceHttp http = new PieceHttp();
    private final ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "dfly-piece-watchdog");
        t.setDaemon(true);
        return t;
    });

    /** @param minRate the floor rate, bytes/s ({@link EngineConfig#pieceMinRate()}) */
    public PieceFetcher(TokenBucket downloadBucket, HostTokens tokens, String peerId, long minRate) {
        if (minRate <= 0) {
            throw new IllegalArgumentException("the piece floor rate must be > 0");
        }
        this.downloadBucket = downloadBucket;
        this.tokens = tokens;
        this.peerId = peerId;
        this.minRate = minRate;
    }

    /** The total time a fetch of {@code length} bytes may take: the floor plus the length at the floor rate. */
    long deadlineNanos(int length) {
        return floorNanos + (long) (length * 1e9 / minRate);
    }

    /** A new fetch of {@code length} bytes, its deadline and its pace running from now. */
    Fetch start(int length) {
        long allowed = deadlineNanos(length);
        return new Fetch(length, allowed, paceGraceNanos);
    }

    /**
     * One piece fetch's deadline, pace and connection. The watchdog closes the connection when the deadline
     * (pushed back by the time spent waiting for this host's own limit) has passed or the source fell behind
     * its pace; {@link #abandon} ends it when its download stopped waiting for it (whoever claims the piece next
     * is its only writer: {@link StoredTask#claim}).
     */
    private static final long NOT_PAUSED = Long.MIN_VALUE;

    final class Fetch implements PieceHttp.Abortable {
        private final int length;
        /** The source's total time, {@link #deadlineNanos}: {@code D}. */
        private final long allowed;
        /** {@code G}: how far behind the pace {@code L × t / D} the source may be. */
        private final long grace;
        private final long started = System.nanoTime();
        private volatile long deadline;
        private volatile long pausedSince = NOT_PAUSED;
        /** Bytes of the body received so far (written by the fetching thread, read by the watchdog). */
        private volatile long received;
        /** When the watchdog cut the fetch (deadline or pace), System.nanoTime() scale; valid once {@code expired}. */
        private volatile long expiredAt;
        private Socket socket;
        private boolean over;
        private boolean expired;
        private boolean behind;
        private boolean abandoned;
        private ScheduledFuture<?> timer;

        private Fetch(int length, long allowed, long grace) {
            this.length = length;
            this.allowed = allowed;
            this.grace = grace;
            this.deadline = started + allowed;
            arm(Math.min(allowed, nanosUntilBehind(started)));
        }

        /** When this fetch is overdue, System.nanoTime() scale. */
        long deadline() {
            return deadline;
        }

        /**
         * Whether the fetch is {@code graceNanos} past its deadline, or past the moment the watchdog cut it (never
         * while it waits for this host's limit).
         */
        boolean overdue(long graceNanos) {
            if (pausedSince != NOT_PAUSED) {
                return false;
            }
            long now = System.nanoTime();
            if (now - (deadline + graceNanos) >= 0) {
                return true;
            }
            synchronized (this) {
                return expired && now - (expiredAt + graceNanos) >= 0;
            }
        }

        /** The source has sent {@code bytes} of the body so far. */
        void received(long bytes) {
            received = bytes;
        }

        /** The source's time so far: since the start, without the waits for this host's own limit. */
        private long sourceNanos(long now) {
            return allowed - (deadline - now);
        }

        /**
         * Nanoseconds from {@code now} until the bytes received so far fall behind the pace, i.e. until the
         * source's time reaches {@code G + received × D / L}; 0 or less when they already have.
         */
        private long nanosUntilBehind(long now) {
            long got = received;
            if (length <= 0 || got >= length) {
                return Long.MAX_VALUE; // nothing (more) to wait for: only the deadline is left
            }
            double dueAt = grace + (double) got * allowed / length;
            double left = dueAt - sourceNanos(now);
            return left >= Long.MAX_VALUE ? Long.MAX_VALUE : (long) Math.ceil(left);
        }

        private synchronized void arm(long waitNanos) {
            if (over) {
                return;
            }
            try {
                timer = watchdog.schedule(this::check, Math.max(0, waitNanos), TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                expire(false); // the fetcher is closed: nothing may run any longer
            }
        }

        /** The watchdog's look: runs under the fetch's lock, so a wait for this host's limit cannot start meanwhile. */
        private synchronized void check() {
            if (pausedSince != NOT_PAUSED) {
                arm(TimeUnit.MILLISECONDS.toNanos(50)); // waiting for this host's own limit: not the source's time
                return;
            }
            long now = System.nanoTime();
            long toDeadline = deadline - now;
            if (toDeadline <= 0) {
                expire(false);
                return;
            }
            long toBehind = nanosUntilBehind(now);
            if (toBehind <= 0) {
                expire(true);
                return;
            }
            arm(Math.max(MIN_CHECK_NANOS, Math.min(toDeadline, toBehind))); // pushed back, or bytes came meanwhile
        }

        private synchronized void expire(boolean fellBehind) {
            if (over) {
                return;
            }
            expired = true;
            behind = fellBehind;
            expiredAt = System.nanoTime();
            over = true;
            if (socket != null) {
                PieceHttp.closeQuietly(socket); // a read blocked on it ends now
            }
        }

        /** The fetch waits for this host's own limit from now: that time is not the source's. */
        synchronized void pause() {
            pausedSince = System.nanoTime();
        }

        /** The wait for this host's limit ended: the deadline (and so the pace) moves back by its length. */
        synchronized void resume() {
            long since = pausedSince;
            if (since != NOT_PAUSED) {
                deadline += System.nanoTime() - since;
                pausedSince = NOT_PAUSED;
            }
        }

        @Override
        public synchronized void attach(Socket s) throws IOException {
            if (over) {
                PieceHttp.closeQuietly(s);
                throw new IOException(expired ? "deadline passed" : "fetch abandoned");
            }
            socket = s;
        }

        @Override
        public int readTimeoutMillis() {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            return (int) Math.max(1, Math.min(Integer.MAX_VALUE, left + 1000)); // the watchdog comes first
        }

        /** The watchdog cut the fetch: its deadline passed, or its source fell behind the pace. */
        synchronized boolean expired() {
            return expired;
        }

        /** The watchdog cut the fetch because its source fell behind the pace (before the deadline). */
        synchronized boolean fellBehind() {
            return behind;
        }

        synchronized boolean abandoned() {
            return abandoned;
        }

        /** The download no longer waits for this fetch: its connection is closed. Never blocks on the fetch. */
        void abandon() {
            synchronized (this) {
                abandoned = true;
            }
            finish(true);
        }

        /** Ends the watch; the connection is closed when {@code drop}, else it may go back to the pool. */
        private synchronized void finish(boolean drop) {
            over = true;
            if (timer != null) {
                timer.cancel(false);
            }
            if (drop && socket != null) {
                PieceHttp.closeQuietly(socket);
            }
            socket = null;
        }

        String missed(int got) {
            double secs = (System.nanoTime() - started) / 1e9;
            return String.format(Locale.ROOT, "%d of %d bytes in %.1f s, slower than %s (%s/s)", got, length, secs,
                    EngineConfig.PIECE_MIN_RATE_SETTING, ByteSize.format(minRate));
        }

        String tooSlow(int got) {
            double secs = Math.max(0, sourceNanos(expiredAt)) / 1e9;
            return String.format(Locale.ROOT, "%d of %d bytes in %.1f s, behind the pace of its %.1f s deadline"
                            + " (%s %s/s, %.1f s grace)", got, length, secs, allowed / 1e9,
                    EngineConfig.PIECE_MIN_RATE_SETTING, ByteSize.format(minRate), grace / 1e9);
        }
    }

    /** {@link #fetchInto(PieceAssignment, StoredTask, MessageDigest, Fetch)} with a fetch started now. */
    public int fetchInto(PieceAssignment a, StoredTask into, MessageDigest alsoHash)
            throws PieceFetchException, InterruptedException, IOException {
        return fetchInto(a, into, alsoHash, start(a.length()));
    }

    /**
     * Fetches the piece into {@code into}, verifies it and records it there as held, also feeding its
     * bytes to {@code alsoHash} when not null (a copy of a whole-file digest). Returns its length.
     *
     * @throws PieceFetchException the source failed (refused, broke off, sent wrong bytes, missed the deadline)
     * @throws IOException         this host could not store the piece
     */
    int fetchInto(PieceAssignment a, StoredTask into, MessageDigest alsoHash, Fetch fetch)
            throws PieceFetchException, InterruptedException, IOException {
        int length = a.length();
        int pos = 0;
        boolean reusable = false;
        StoredTask.PieceWriter writer = into.claim(a.pieceNum());
        PieceHttp.Response r = null;
        try {
            URI u = URI.create(a.sourceUrl());
            Map<String, String> headers = new LinkedHashMap<>();
            headers.put(HostTokens.HEADER, tokens.authorization(peerId, "GET", u.getRawPath()));
            if (a.grant() != null && !a.grant().isBlank()) {
                headers.put(PieceGrants.HEADER, a.grant());
            }
            try {
                r = http.get(u, headers, CONNECT_TIMEOUT_MS, fetch);
            } catch (IOException | IllegalArgumentException e) {
                throw failed(a, fetch, pos, "failed: " + describe(e));
            }
            if (r.status != 200) {
                String why = r.status == 403 ? io.dfly.core.security.SafeText.scrub(errorMessage(r.body())) : null;
                throw new PieceFetchException(PieceFetchException.Cause.REFUSED, "source " + a.sourcePeerId() + " answered HTTP " + r.status
                        + (why == null ? "" : " (" + why + ")"));
            }
            if (r.contentLength() >= 0 && r.contentLength() != length) {
                throw new PieceFetchException(PieceFetchException.Cause.LENGTH, "source " + a.sourcePeerId() + " announced " + r.contentLength()
                        + " bytes for a piece of " + length);
            }
            InputStream in = r.body();
            byte[] chunk = new byte[Math.min(CHUNK, Math.max(1, length))];
            MessageDigest md = Digests.newSha256();
            while (pos < length) {
                int want = Math.min(chunk.length, length - pos);
                int n;
                try {
                    n = in.read(chunk, 0, want);
                } catch (IOException e) {
                    throw failed(a, fetch, pos, "failed while sending: " + describe(e));
                }
                if (n < 0) {
                    throw new PieceFetchException(PieceFetchException.Cause.LENGTH, "short read from " + a.sourcePeerId() + " (" + pos + " of "
                            + length + " bytes)");
                }
                fetch.received(pos + n);
                // this host's limit is paid for the bytes read (not for a whole chunk a slow source never sent);
                // the wait is not the source's time
                fetch.pause();
                try {
                    downloadBucket.acquire(n);
                } finally {
                    fetch.resume();
                }
                md.update(chunk, 0, n);
                if (alsoHash != null) {
                    alsoHash.update(chunk, 0, n);
                }
                into.writeUnverified(writer, pos, ByteBuffer.wrap(chunk, 0, n));
                pos += n;
            }
            try {
                if (in.read() >= 0) {
                    throw new PieceFetchException(PieceFetchException.Cause.LENGTH, "source " + a.sourcePeerId() + " sent more than " + length + " bytes");
                }
            } catch (IOException e) {
                throw failed(a, fetch, pos, "failed while sending: " + describe(e));
            }
            String got = Digests.format(md);
            if (!got.equals(a.digest())) {
                throw new PieceFetchException(PieceFetchException.Cause.DIGEST, "digest mismatch from " + a.sourcePeerId() + " (got " + got + ", want "
                        + a.digest() + ")");
            }
            into.commitPiece(writer, length, got);
            reusable = true;
            return length;
        } finally {
            fetch.finish(!reusable);
            if (r != null) {
                r.close();
            }
        }
    }

    /**
     * The failure of a source that broke off, or that fell behind its pace or missed its deadline (the watchdog
     * closed the connection).
     */
    private static PieceFetchException failed(PieceAssignment a, Fetch fetch, int got, String what) {
        if (fetch.fellBehind()) {
            return new PieceFetchException(PieceFetchException.Cause.DEADLINE, "source " + a.sourcePeerId() + " is too slow: " + fetch.tooSlow(got));
        }
        if (fetch.expired()) {
            return new PieceFetchException(PieceFetchException.Cause.DEADLINE, "source " + a.sourcePeerId() + " missed its deadline: " + fetch.missed(got));
        }
        return new PieceFetchException(PieceFetchException.Cause.CONNECTION, "source " + a.sourcePeerId() + " " + what);
    }

    private static String describe(Exception e) {
        if (e instanceof IOException io) {
            return SupernodeClient.describe(io);
        }
        return e.getClass().getSimpleName();
    }

    /** The {@code message} of a small JSON error body (a 403's reason), or null. */
    private static String errorMessage(InputStream in) {
        try {
            byte[] body = in.readNBytes(4096);
            var node = SupernodeClient.JSON.readTree(body);
            return node != null && node.hasNonNull("message") ? node.get("message").asText() : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** Idle kept-alive connections (tests). */
    int idleConnections() {
        return http.idleConnections();
    }

    @Override
    public void close() {
        watchdog.shutdownNow();
        http.close();
    }
}
