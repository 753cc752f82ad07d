package io.dfly.supernode.task;

import io.dfly.core.protocol.PieceAssignment;
import io.dfly.core.protocol.PieceReport;
import io.dfly.core.protocol.PieceSet;
import io.dfly.core.protocol.PullAction;
import io.dfly.core.protocol.PullRequest;
import io.dfly.core.protocol.PullResponse;
import io.dfly.core.protocol.RegisterRequest;
import io.dfly.core.protocol.RegisterResponse;
import io.dfly.core.protocol.TaskStatus;
import io.dfly.core.security.ClusterSecret;
import io.dfly.core.security.PieceGrants;
import io.dfly.core.security.SafeUrls;
import io.dfly.core.task.TaskIds;
import io.dfly.scheduler.RarestFirstScheduler;
import io.dfly.scheduler.SchedulerLimits;
import io.dfly.supernode.cdn.BackToSource;
import io.dfly.supernode.metrics.SupernodeMetrics;
import io.dfly.supernode.task.TaskAction.Result;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import java.util.function.LongSupplier;
import java.util.logging.Logger;

/**
 * The supernode's task API in plain Java: register, pull, report, leave, heartbeat, views, and
 * taking over back-to-source when a member dies. Works the same on every cluster member.
 *
 * <p>Requests that would only be told to wait are held here instead, and woken by {@link TaskSignals}
 * when something that could change the answer happens on this member: a registration waits for the
 * origin's answer, and a pull that would answer WAIT ({@link #pullHeld}) is held up to
 * {@link #PULL_HOLD_MILLIS}.
 *
 * <p>Every assignment answered carries a piece grant for the pulling peer, made here after the task's
 * entry processor ran: the key never enters the task record or the grid. A registrant's origin headers
 * are kept only when its URL is the one the task fetches.
 */
public final class TaskService {
    private static final Logger LOG = Logger.getLogger(TaskService.class.getName());
    /** Longest a pull that would answer WAIT is held on the supernode, waiting for a change. */
    public static final long PULL_HOLD_MILLIS = 500;
    /**
     * How often a held pull re-reads a task that another cluster member fetches from the origin
     * (that member's pieces and answers wake nobody here).
     */
    public static final long PULL_RECHECK_MILLIS = 100;
    /** The {@code waitMillis} of a WAIT answered after a hold: nothing to wait for, ask again at once. */
    public static final int HELD_WAIT_MILLIS = 10;
    /** How often a registration waiting for the origin's answer re-reads the task (another member may fetch it). */
    public static final long REGISTER_RECHECK_MILLIS = 50;
    /** Most registrations waiting for an origin's answer on one member; more are answered 503 + Retry-After. */
    public static final int MAX_WAITING_REGISTRATIONS = 256;
    /** Default {@code dfly.supernode.failed-task-ttl}. */
    public static final Duration DEFAULT_FAILED_TASK_TTL = Duration.ofMinutes(10);

    private final TaskStore store;
    private final OriginHeaderStore headers;
    private final BackToSource backToSource;
    private final SeedIdentity self;
    private final PieceGrants grants;
    private final GridSeal seal;
    private final SchedulerLimits limits;
    private final int peerDownloadLimit;
    private final List<String> volatileParams;
    private final Duration registerTimeout;
    private final SupernodeMetrics metrics;
    private final LongSupplier clock;
    private final TaskSignals signals;
    private final ScheduledExecutorService holds;
    private final long pullHoldNanos;
    private final long failedTaskTtlMillis;
    private final int maxWaitingRegistrations;
    /** Registrations of this member waiting for an origin's answer now. */
    private final AtomicInteger waitingRegistrations = new AtomicInteger();
    /** The peers' liveness as last read ({@link #peersHeard}): at most one read of the grid's late peers a second. */
    private volatile HeardAt heard;

    private record HeardAt(long readAtMillis, PeersHeard heard) {
    }

    /**
     * @param secret        the cluster secret: signs each assignment's piece grant, seals the task's URL in the grid
     * @param failedTaskTtl how long a FAILED task is kept (then it goes, with its headers: {@link #sweep})
     * @param signals       the wake-ups shared with {@code backToSource}
     * @param holds         runs held pulls' and waiting registrations' time-outs and re-runs (a few threads);
     *                      null: pulls are never held and registrations wait on the calling thread
     */
    public TaskService(TaskStore store, OriginHeaderStore headers, BackToSource backToSource, SeedIdentity self,
                       ClusterSecret secret, SchedulerLimits limits, int peerDownloadLimit, List<String> volatileParams,
                       Duration registerTimeout, Duration failedTaskTtl, SupernodeMetrics metrics, LongSupplier clock,
                       TaskSignals signals, ScheduledExecutorService holds) {
        this(store, headers, backToSource, self, secret, limits, peerDownloadLimit, volatileParams, registerTimeout,
                failedTaskTtl, metrics, clock, signals, holds, Duration.ofMillis(PULL_HOLD_MILLIS), MAX_WAITING_REGISTRATIONS);
    }

    /** As above, holding pulls up to {@code pullHold}, with at most {@code maxWaitingRegistrations} waiting (tests). */
    TaskService(TaskStore store, OriginHeaderStore headers, BackToSource backToSource, SeedIdentity self,
                ClusterSecret secret, SchedulerLimits limits, int peerDownloadLimit, List<String> volatileParams,
                Duration registerTimeout, Duration failedTaskTtl, SupernodeMetrics metrics, LongSupplier clock,
                TaskSignals signals, ScheduledExecutorService holds, Duration pullHold, int maxWaitingRegistrations) {
        this.store = store;
        this.headers = headers;
        this.backToSource = backToSource;
        this.self = self;
        this.grants = secret.pieceGrants();
        this.seal = new GridSeal(secret);
        this.limits = limits;
        this.peerDownloadLimit = peerDownloadLimit;
        this.volatileParams = List.copyOf(volatileParams);
        this.registerTimeout = registerTimeout;
        this.failedTaskTtlMillis = failedTaskTtl.toMillis();
        this.metrics = metrics;
        this.clock = clock;
        this.signals = signals;
        this.holds = holds;
        this.pullHoldNanos = pullHold.toNanos();
        this.maxWaitingRegistrations = maxWaitingRegistrations;
    }

    public SeedIdentity self() {
        return self;
    }

    /**
     * A peer joins the swarm; the first registration of a task starts back-to-source (once, cluster-wide).
     * Waits on the calling thread (tests, in-JVM callers); the REST resource uses {@link #registerAsync}.
     */
    public RegisterResponse register(RegisterRequest req, String remoteAddress) {
        return await(registerAsync(req, remoteAddress));
    }

    /**
     * A peer joins the swarm, answered once the origin's answer is known: no thread waits meanwhile (the
     * wait is woken by {@link TaskSignals}), and at most {@link #MAX_WAITING_REGISTRATIONS} registrations
     * wait on this member at once (more: 503 {@code busy} with {@code Retry-After}).
     *
     * @param remoteAddress the address the registration came from (the TCP peer, no proxy header): the
     *                      host of {@code peerUrl} must be it, so a peer is a source only at its own address
     */
    public CompletableFuture<RegisterResponse> registerAsync(RegisterRequest req, String remoteAddress) {
        String peerId;
        String peerUrl;
        CompletableFuture<String> task;
        try {
            if (req == null) {
                throw ApiException.badRequest("missing request body");
            }
            peerId = requirePeerId(req.peerId());
            peerUrl = requireHttpUrl(req.peerUrl(), "peerUrl");
            requireOwnAddress(peerUrl, remoteAddress);
            task = ensureTaskAsync(req.url(), req.headers(), req.digest(), req.identifier());
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        int firstPieces = Math.max(0, req.maxPieces());
        CompletableFuture<RegisterResponse> joined = task.thenApply(taskId -> joinSwarm(taskId, peerId, peerUrl));
        return firstPieces == 0 ? joined : joined.thenCompose(r -> withFirstPull(r, peerId, firstPieces));
    }

    /**
     * The registrant's first pull, answered together with its registration: one round trip less before its first
     * piece (issue 12: a small file's whole download is a handful of round trips). The pull is the registrant's
     * own, as {@link #pullHeld} answers it (held until something is assignable, e.g. the task's first piece, each
     * assignment with a grant for this peer only); if it fails, the registration is answered without it and the
     * peer's next pull says why.
     */
    private CompletableFuture<RegisterResponse> withFirstPull(RegisterResponse joined, String peerId, int maxPieces) {
        return pullHeld(joined.taskId(), new PullRequest(peerId, "", maxPieces))
                .handle((pull, error) -> error != null ? joined : joined.withFirstPull(pull));
    }

    /** What a registration answers, read inside the task's entry processor. */
    private record Joining(long contentLength, int pieceSize, String status) implements java.io.Serializable {
    }

    private RegisterResponse joinSwarm(String taskId, String peerId, String peerUrl) {
        long now = clock.getAsLong();
        long goneAfter = goneAfterMillis();
        store.peers().registered(peerId, now);
        PeersHeard heardFrom = peersHeard(now);
        Joining joined = store.update(taskId, r -> {
            if (r == null || r.swarm() == null) {
                return Result.of(r, null);
            }
            r.swarm().join(peerId, peerUrl, false, now);
            heardFrom.applyTo(r.swarm());
            r.dropGonePeers(now, goneAfter);
            r.touch(now);
            return Result.of(r, new Joining(r.contentLength(), r.pieceSize(), r.status().name()));
        });
        if (joined == null) {
            throw new ApiException(503, "task_gone", "task " + taskId + " was removed while registering; try again");
        }
        signals.signal(taskId, peerId, wakeOnReport());
        return new RegisterResponse(taskId, joined.contentLength(), joined.pieceSize(), joined.status(), self.sourceId());
    }

    /** A peer silent this long (or gone) is removed from its swarms: twice {@code dfly.supernode.peer-timeout}. */
    private long goneAfterMillis() {
        return 2 * limits.peerTimeoutMillis();
    }

    /**
     * What the peers' heartbeats say, for a task's entry processor: peers not heard from for half of
     * {@code dfly.supernode.peer-timeout} are read from the grid with their times (an indexed query), every
     * other peer counts as heard since then. Read again after a second (or a quarter of the time-out) of clock.
     */
    PeersHeard peersHeard(long nowMillis) {
        HeardAt last = heard;
        long every = Math.max(1, Math.min(1000, limits.peerTimeoutMillis() / 4));
        if (last != null && nowMillis >= last.readAtMillis() && nowMillis - last.readAtMillis() < every) {
            return last.heard();
        }
        long freshSince = nowMillis - limits.peerTimeoutMillis() / 2;
        PeersHeard now = new PeersHeard(freshSince, store.peers().heardBefore(freshSince));
        heard = new HeardAt(nowMillis, now);
        return now;
    }

    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    /**
     * The host of {@code peerUrl} must be the address the registration came from: a peer cannot name
     * another host as the place its pieces are fetched from. An IP literal is compared as an address
     * (an IPv4-mapped IPv6 remote equals its IPv4 form); a name never matches (nothing is resolved).
     */
    static void requireOwnAddress(String peerUrl, String remoteAddress) {
        InetAddress remote = literal(remoteAddress);
        String host = URI.create(peerUrl).getHost();
        String bare = host != null && host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        InetAddress given = literal(bare);
        if (remote == null || given == null || !given.equals(remote)) {
            String y = remote == null ? String.valueOf(remoteAddress) : remote.getHostAddress();
            throw ApiException.badRequest("peerUrl host " + host + " is not this host's address " + y
                    + " \u2014 set dfly.dfdaemon.advertise-ip to " + y);
        }
    }

    /** The address an IP literal names (no DNS lookup), or null for anything else. */
    private static InetAddress literal(String text) {
        if (text == null || text.isEmpty() || !(IPV4.matcher(text).matches() || text.indexOf(':') >= 0)) {
            return null;
        }
        try {
            return InetAddress.getByName(text); // a literal: parsed, never looked up
        } catch (UnknownHostException | SecurityException e) {
            return null;
        }
    }

    /** The future's value on this thread, its ApiException (or other runtime failure) rethrown as is. */
    private static <T> T await(CompletableFuture<T> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(503, "interrupted", "interrupted");
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException re) {
                throw re;
            }
            if (c instanceof Error err) {
                throw err;
            }
            throw new ApiException(500, "internal", "internal error: " + c.getClass().getSimpleName());
        }
    }

    /**
     * Creates the task (or joins it) and waits until the origin's answer is known. Returns the task
     * id; throws the origin's error (404, 401/403, 502) when it failed, and 403 {@code origin_refused}
     * at once, fetching nothing, when the origin policy refuses the URL.
     *
     * <p>{@code originHeaders} are kept (sealed, for this member's and a survivor's back-to-source) only
     * when {@code url} is the URL the task fetches ({@link TaskIds#normalizeUrl} equal): a registrant
     * joining a digest's task under another URL joins the swarm, but its credentials never go to
     * another registrant's URL. A failed task restarted by this registration fetches this URL.
     */
    public String ensureTask(String url, Map<String, String> originHeaders, String digest, String identifier) {
        return await(ensureTaskAsync(url, originHeaders, digest, identifier));
    }

    /** {@link #ensureTask} without a waiting thread: the future completes with the task id, or fails as it throws. */
    public CompletableFuture<String> ensureTaskAsync(String url, Map<String, String> originHeaders, String digest,
                                                     String identifier) {
        requireHttpUrl(url, "url");
        String taskId;
        String normalizedUrl;
        try {
            taskId = TaskIds.derive(url, emptyToNull(digest), emptyToNull(identifier), volatileParams);
            normalizedUrl = TaskIds.normalizeUrl(url, volatileParams);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        Optional<String> refused = backToSource.refusal(url);
        if (refused.isPresent()) {
            throw new ApiException(403, "origin_refused", refused.get());
        }
        // the grid keeps the URL sealed, a keyed hash to compare registrants' URLs with, and the display form
        byte[] sealedUrl = seal.sealUrl(url, taskId);
        String urlKey = seal.urlKey(normalizedUrl);
        String displayUrl = SafeUrls.display(url);
        OriginHeaders given = new OriginHeaders(urlKey, originHeaders);
        long now = clock.getAsLong();
        String member = self.memberId();
        String expected = emptyToNull(digest);
        Joined joined = store.update(taskId, r -> {
            if (r == null) {
                return Result.of(new TaskRecord(taskId, sealedUrl, urlKey, displayUrl, expected, member, now), Joined.FRESH);
            }
            if (r.status() == TaskStatus.FAILED) {
                r.restart(member, now, sealedUrl, urlKey, displayUrl);
                return Result.of(r, Joined.FRESH);
            }
            r.touch(now);
            // a task kept by a restarted member's CDN has no URL yet: this registrant's becomes it
            boolean adopted = r.adoptUrlIfNone(sealedUrl, urlKey, displayUrl);
            return Result.of(r, new Joined(r.takeOverIfOrphaned(member, now), urlKey.equals(r.urlKey()), adopted));
        });
        // a new or restarted task drops what an earlier registrant left; a same-URL joiner's headers are the latest
        if (joined.sameUrl() && (joined.fresh() || !given.headers().isEmpty())) {
            headers.put(taskId, given);
        }
        if (joined.claimed()) {
            LOG.info(() -> "task " + taskId + ": new, fetching " + displayUrl + " from the origin");
            // the fetch signals the task when the origin has answered: the wait below wakes then
            backToSource.start(taskId);
        }
        return awaitOriginAnswer(taskId).thenApply(rec -> {
            if (rec.status() == TaskStatus.FAILED) {
                throw new ApiException(rec.failHttpStatus() > 0 ? rec.failHttpStatus() : 502,
                        rec.failCode() != null ? rec.failCode() : "origin_error", rec.failReason());
            }
            return taskId;
        });
    }

    /**
     * What a registration found: whether this member must fetch, whether the registrant's URL is the one
     * the task fetches, and whether the task was new, restarted by it or took its URL.
     */
    record Joined(boolean claimed, boolean sameUrl, boolean fresh) implements java.io.Serializable {
        static final Joined FRESH = new Joined(true, true, true);
    }

    /** The lifecycle fields a waiting registration needs (small: not the whole record). */
    public record Lifecycle(TaskStatus status, String failCode, String failReason, int failHttpStatus)
            implements java.io.Serializable {
    }

    /**
     * Completes once the task is no longer WAITING: woken by this member's back-to-source, re-reading
     * the task every {@link #REGISTER_RECHECK_MILLIS} in case another member fetches it. No thread waits
     * (unless there is no {@code holds} executor); a registration that has to wait counts against
     * {@link #MAX_WAITING_REGISTRATIONS}.
     */
    private CompletableFuture<Lifecycle> awaitOriginAnswer(String taskId) {
        CompletableFuture<Lifecycle> answer = new CompletableFuture<>();
        AnswerWait wait = new AnswerWait(taskId, answer);
        if (holds == null) {
            wait.block();
        } else {
            wait.attempt();
        }
        return answer;
    }

    /** Registrations waiting for an origin's answer on this member now. */
    public int waitingRegistrations() {
        return waitingRegistrations.get();
    }

    /** One registration waiting for the task's origin to answer. */
    private final class AnswerWait {
        private final String taskId;
        private final CompletableFuture<Lifecycle> answer;
        private final long deadline = System.nanoTime() + registerTimeout.toNanos();
        /** Whether it holds one of the {@link #waitingRegistrations} places. */
        private boolean counted;

        AnswerWait(String taskId, CompletableFuture<Lifecycle> answer) {
            this.taskId = taskId;
            this.answer = answer;
        }

        /**
         * Reads the task; the answer when it is known; else waits for a signal or the re-check time
         * without a thread. Runs once at a time per wait (each re-run is scheduled by the last).
         */
        synchronized void attempt() {
            if (answer.isDone()) {
                return;
            }
            // armed before reading: an answer landing between the read and the wait is not missed
            TaskSignals.Waiter waiter = signals.arm(taskId, null);
            try {
                long left = check();
                if (left <= 0) {
                    waiter.cancel();
                    return;
                }
                ScheduledFuture<?> recheck = holds.schedule(waiter::fire,
                        Math.min(left, TimeUnit.MILLISECONDS.toNanos(REGISTER_RECHECK_MILLIS)), TimeUnit.NANOSECONDS);
                waiter.fired().thenRun(() -> {
                    recheck.cancel(false);
                    try {
                        holds.execute(this::attempt);
                    } catch (RejectedExecutionException e) {
                        finish(null, new ApiException(503, "stopping", "the supernode is shutting down"));
                    }
                });
            } catch (RejectedExecutionException e) {
                waiter.cancel();
                finish(null, new ApiException(503, "stopping", "the supernode is shutting down"));
            } catch (RuntimeException | Error e) {
                waiter.cancel();
                finish(null, e);
            }
        }

        /** The same on the calling thread (no executor to hold it with). */
        void block() {
            while (!answer.isDone()) {
                TaskSignals.Waiter waiter = signals.arm(taskId, null);
                try {
                    long left = check();
                    if (left > 0) {
                        waiter.await(Math.min(left, TimeUnit.MILLISECONDS.toNanos(REGISTER_RECHECK_MILLIS)),
                                TimeUnit.NANOSECONDS);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    finish(null, new ApiException(503, "interrupted", "interrupted"));
                } catch (RuntimeException | Error e) {
                    finish(null, e);
                } finally {
                    waiter.cancel();
                }
            }
        }

        /** Reads the task and finishes the wait if it can; returns the nanoseconds left to wait (≤ 0: finished). */
        private long check() {
            Lifecycle rec = lifecycle(taskId).orElse(null);
            if (rec == null) {
                finish(null, new ApiException(503, "task_gone", "task " + taskId + " was removed while registering"));
                return 0;
            }
            if (rec.status() != TaskStatus.WAITING) {
                finish(rec, null);
                return 0;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                finish(null, new ApiException(504, "origin_timeout", "the origin did not answer within " + registerTimeout));
                return 0;
            }
            if (signals.isClosed()) {
                finish(null, new ApiException(503, "stopping", "the supernode is shutting down"));
                return 0;
            }
            if (!counted) {
                if (waitingRegistrations.incrementAndGet() > maxWaitingRegistrations) {
                    waitingRegistrations.decrementAndGet();
                    metrics.registrationsRefused.increment();
                    finish(null, new ApiException(503, "busy", maxWaitingRegistrations
                            + " registrations are already waiting for origins on this supernode; try again", 1));
                    return 0;
                }
                counted = true;
            }
            return left;
        }

        private void finish(Lifecycle rec, Throwable error) {
            if (counted) {
                counted = false;
                waitingRegistrations.decrementAndGet();
            }
            if (error != null) {
                answer.completeExceptionally(error);
            } else {
                answer.complete(rec);
            }
        }
    }

    /** A pull, answered at once (WAIT included); the reports it carries are applied first. */
    public PullResponse pull(String taskId, PullRequest req) {
        PullArgs args = pullArgs(taskId, req);
        Pulled pulled = pullOnce(args, args.reports());
        return response(args, pulled.outcome(), -1);
    }

    /**
     * A pull that would answer WAIT is held (up to {@link #PULL_HOLD_MILLIS}) until something that
     * could change the answer happens on this member, then run again; a WAIT after a hold says
     * {@link #HELD_WAIT_MILLIS}. The calling thread only runs the first try: the hold itself
     * takes no thread. The future fails with {@link ApiException} as {@link #pull} throws it.
     */
    public CompletableFuture<PullResponse> pullHeld(String taskId, PullRequest req) {
        CompletableFuture<PullResponse> answer = new CompletableFuture<>();
        try {
            new Hold(pullArgs(taskId, req), answer).attempt();
        } catch (RuntimeException e) {
            answer.completeExceptionally(e);
        }
        return answer;
    }

    /**
     * A validated pull request (its {@code have} is checked for form, never trusted: see {@link TaskRecord#pull}),
     * with the reports it carries, all the pulling peer's own.
     */
    private record PullArgs(String taskId, String peerId, int max, List<Reported> reports) {
    }

    /** One report carried by a pull, as the entry processor needs it (serializable: it crosses the cluster). */
    record Reported(int pieceNum, String sourcePeerId, boolean success) implements java.io.Serializable {
    }

    /**
     * A pull's outcome, what each report it carried did (in their order), and whether the task's origin fetch runs
     * on another member (whose events wake nobody here).
     */
    record Pulled(TaskRecord.PullOutcome outcome, boolean fetchedElsewhere, List<TaskRecord.ReportOutcome> reports)
            implements java.io.Serializable {
    }

    private PullArgs pullArgs(String taskId, PullRequest req) {
        requireTaskId(taskId);
        if (req == null) {
            throw ApiException.badRequest("missing request body");
        }
        String peerId = requirePeerId(req.peerId());
        try {
            PieceSet.decode(req.have());
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        // a peer fetches at most peer-download-limit pieces at once, whatever it asks for
        int max = Math.max(0, Math.min(req.maxPieces(), peerDownloadLimit));
        return new PullArgs(taskId, peerId, max, embeddedReports(req, peerId));
    }

    /**
     * The reports a pull carries: at most {@link PullRequest#MAX_REPORTS}, each the pulling peer's own (a report
     * naming another peer is refused, 400, like a pull naming another peer than the token's: nothing is applied).
     */
    private static List<Reported> embeddedReports(PullRequest req, String peerId) {
        List<PieceReport> given = req.reportsOrEmpty();
        if (given.size() > PullRequest.MAX_REPORTS) {
            throw ApiException.badRequest("a pull carries at most " + PullRequest.MAX_REPORTS + " reports, not " + given.size());
        }
        List<Reported> out = new ArrayList<>(given.size());
        for (PieceReport report : given) {
            if (report == null) {
                throw ApiException.badRequest("a report in the pull is null");
            }
            if (!peerId.equals(report.peerId())) {
                throw ApiException.badRequest("a report in the pull names peer " + report.peerId()
                        + ", not the pulling peer " + peerId);
            }
            out.add(new Reported(requirePieceNum(report.pieceNum()), report.sourcePeerId(), report.success()));
        }
        return List.copyOf(out);
    }

    /**
     * One run of the pull's entry processor: first the {@code reports} (those not applied yet: none when a held
     * pull runs again), by the same rule as {@link #report}, then the pull itself, in one operation on the task;
     * then the reports' metrics and wake-ups.
     */
    private Pulled pullOnce(PullArgs args, List<Reported> reports) {
        String taskId = args.taskId();
        String peerId = args.peerId();
        int max = args.max();
        long now = clock.getAsLong();
        long goneAfter = goneAfterMillis();
        SchedulerLimits lim = limits;
        String member = self.memberId();
        // Hazelcast runs this update again on the backup replica: the time, the peers' liveness and the random
        // seed are fixed here, outside it, so both replicas make exactly the same decisions
        long seed = ThreadLocalRandom.current().nextLong();
        PeersHeard heardFrom = peersHeard(now);
        if (heardFrom.late().containsKey(peerId)) {
            store.peers().heartbeat(peerId, now); // a peer that pulls is alive, heartbeats or not
        }
        Pulled pulled = store.update(taskId, r -> {
            if (r == null) {
                return Result.of(null, null);
            }
            heardFrom.applyTo(r.swarm());
            List<TaskRecord.ReportOutcome> applied = new ArrayList<>(reports.size());
            for (Reported rep : reports) {
                applied.add(r.report(peerId, rep.pieceNum(), rep.sourcePeerId(), rep.success(), now));
            }
            RarestFirstScheduler scheduler = new RarestFirstScheduler(lim, new SplittableRandom(seed));
            TaskRecord.PullOutcome o = r.pull(peerId, max, scheduler, lim.inFlightTimeoutMillis(), goneAfter, now);
            boolean elsewhere = (r.status() == TaskStatus.WAITING || r.status() == TaskStatus.RUNNING)
                    && !member.equals(r.seederMember());
            return Result.of(r, new Pulled(o, elsewhere, applied));
        });
        if (pulled == null) {
            throw ApiException.notFound("task_not_found", "no task " + taskId + "; register first");
        }
        if (!reports.isEmpty()) {
            reported(args, reports, pulled.reports());
        }
        if (pulled.outcome().action().equals("UNKNOWN_PEER")) {
            throw ApiException.notFound("peer_not_registered", "peer " + peerId + " is not in task " + taskId + "; register first");
        }
        return pulled;
    }

    /**
     * The wire answer, each assignment with its grant for the pulling peer (made here, outside the entry
     * processor); {@code waitMillis >= 0} replaces the outcome's.
     */
    private PullResponse response(PullArgs args, TaskRecord.PullOutcome out, int waitMillis) {
        List<PieceAssignment> pieces = out.assignments().stream()
                .map(a -> a.withGrant(grants.mint(args.taskId(), a.pieceNum(), args.peerId())))
                .toList();
        return new PullResponse(PullAction.valueOf(out.action()), pieces, out.contentLength(),
                out.pieceCount(), out.pieceSize(), out.fileDigest(), out.reason(),
                waitMillis >= 0 ? waitMillis : out.waitMillis(), args.reports().size());
    }

    /**
     * After a pull applied the reports it carried: the same metrics and wake-ups as {@link #report}, except that
     * the pulling peer's own pull is not woken (it ran after its reports, in the same entry processor).
     */
    private void reported(PullArgs args, List<Reported> reports, List<TaskRecord.ReportOutcome> outcomes) {
        int others = 0;
        for (int i = 0; i < outcomes.size(); i++) {
            Reported rep = reports.get(i);
            others += counted(rep.sourcePeerId(), rep.success(), outcomes.get(i));
        }
        if (others > 0) {
            signals.signalOthers(args.taskId(), args.peerId(), others);
        }
    }

    /**
     * Counts one applied report in the metrics; returns how many held pulls besides the reporter's it should wake
     * (0 when it was ignored).
     */
    private int counted(String source, boolean success, TaskRecord.ReportOutcome outcome) {
        if (!outcome.accepted()) {
            // not the end of an assignment this supernode made: a claim, not a fact
            metrics.reportsIgnored.increment();
            return 0;
        }
        if (success) {
            metrics.bytesServedByPeers.add(outcome.fromPeerBytes());
            // the reporter is a source of the piece now, and its source has a free slot again
            return wakeOnReport();
        }
        metrics.pieceFailed(source);
        return 1;
    }

    /** One held pull: try, and while the answer is WAIT and time is left, wait for a signal and try again. */
    private final class Hold {
        private final PullArgs args;
        private final CompletableFuture<PullResponse> answer;
        /** The pull's reports until its first run applied them: a pull held and run again applies them once. */
        private List<Reported> unapplied;
        /**
         * Held for 3/4 to all of the hold time, at random: peers that started waiting together (a herd)
         * do not all come back in the same instant (bench/simulate saw 467,000 re-runs in one second
         * at N = 10,000 when every hold ended together).
         */
        private final long deadline = System.nanoTime() + pullHoldNanos
                - (pullHoldNanos >= 4 ? ThreadLocalRandom.current().nextLong(pullHoldNanos / 4) : 0);
        /** The last WAIT, as answered after a hold (what a shutdown mid-hold answers). */
        private volatile PullResponse lastWait;

        Hold(PullArgs args, CompletableFuture<PullResponse> answer) {
            this.args = args;
            this.answer = answer;
            this.unapplied = args.reports();
        }

        void attempt() {
            if (answer.isDone()) {
                return;
            }
            // armed before the pull: a change landing while it runs wakes this hold at once
            TaskSignals.Waiter waiter = signals.arm(args.taskId(), args.peerId());
            try {
                List<Reported> reports = unapplied;
                unapplied = List.of(); // whatever happens next: a re-run never applies them again
                Pulled pulled = pullOnce(args, reports);
                TaskRecord.PullOutcome out = pulled.outcome();
                boolean held = lastWait != null;
                long left = deadline - System.nanoTime();
                if (!out.action().equals("WAIT") || holds == null || left <= 0 || signals.isClosed()) {
                    waiter.cancel();
                    answer.complete(response(args, out, held && out.action().equals("WAIT") ? HELD_WAIT_MILLIS : -1));
                    return;
                }
                lastWait = response(args, out, HELD_WAIT_MILLIS);
                long hold = pulled.fetchedElsewhere() ? Math.min(left, TimeUnit.MILLISECONDS.toNanos(PULL_RECHECK_MILLIS))
                        : left;
                ScheduledFuture<?> timeout = holds.schedule(waiter::fire, hold, TimeUnit.NANOSECONDS);
                waiter.fired().thenRun(() -> {
                    timeout.cancel(false);
                    again();
                });
            } catch (RejectedExecutionException e) {
                // the member is stopping: the peer asks again (and finds another supernode)
                waiter.cancel();
                finish(null);
            } catch (RuntimeException | Error e) {
                waiter.cancel();
                finish(e);
            }
        }

        private void again() {
            try {
                holds.execute(this::attempt);
            } catch (RejectedExecutionException e) {
                finish(null);
            }
        }

        /** Ends the hold with an error, or (null, or while stopping) with the last WAIT. */
        private void finish(Throwable error) {
            PullResponse last = lastWait;
            if (last != null && (error == null || signals.isClosed())) {
                answer.complete(last);
            } else if (error != null) {
                answer.completeExceptionally(error);
            } else {
                answer.completeExceptionally(new ApiException(503, "stopping", "the supernode is shutting down"));
            }
        }
    }

    /** How many held pulls a report wakes besides the reporter's: its new source's slots, and the freed one. */
    private int wakeOnReport() {
        return limits.peerUploadLimit() + 1;
    }

    /** A report's piece number, refused (400) when negative: the same check for reports alone and in pulls. */
    private static int requirePieceNum(int piece) {
        if (piece < 0) {
            throw ApiException.badRequest("pieceNum must be 0 or more");
        }
        return piece;
    }

    public void report(String taskId, PieceReport report) {
        requireTaskId(taskId);
        if (report == null) {
            throw ApiException.badRequest("missing request body");
        }
        String peerId = requirePeerId(report.peerId());
        int piece = requirePieceNum(report.pieceNum());
        String source = report.sourcePeerId();
        boolean success = report.success();
        long now = clock.getAsLong();
        TaskRecord.ReportOutcome outcome = store.update(taskId, r -> r == null ? Result.of(null, null)
                : Result.of(r, r.report(peerId, piece, source, success, now)));
        if (outcome == null) {
            throw ApiException.notFound("task_not_found", "no task " + taskId);
        }
        int others = counted(source, success, outcome); // an ignored report is still 204
        if (others > 0) {
            // the reporter's own held pull too: the report may have freed its turn
            signals.signal(taskId, peerId, others);
        }
    }

    /** The peer leaves the swarm for good: no longer a source, its assignments dropped, its slot freed. */
    public void leave(String taskId, String peerId) {
        requireTaskId(taskId);
        String id = requirePeerId(peerId);
        Boolean found = store.update(taskId, r -> {
            if (r == null) {
                return Result.of(null, false);
            }
            r.peerLeft(id);
            return Result.of(r, true);
        });
        if (!found) {
            throw ApiException.notFound("task_not_found", "no task " + taskId);
        }
    }

    /**
     * The peer is alive, in every task it is in: one write of its liveness record ({@link PeerLiveness}), however
     * many tasks it serves; no task record is touched (they take it in when they schedule: {@link PeersHeard}).
     * A peer that never registered has no record, and gets none.
     */
    public void heartbeat(String peerId) {
        String id = requirePeerId(peerId);
        store.peers().heartbeat(id, clock.getAsLong());
    }

    /**
     * Housekeeping, run now and then on every member: FAILED tasks older than
     * {@code dfly.supernode.failed-task-ttl} are removed with their sealed headers, peers that left or went
     * silent are dropped from every swarm, and this member's CDN copies of tasks no longer in the grid
     * (expired here or by another member) are deleted. Returns the ids of the tasks it removed.
     */
    public List<String> sweep(io.dfly.supernode.cdn.CdnStore localCdn) {
        long now = clock.getAsLong();
        long ttl = failedTaskTtlMillis;
        long goneAfter = goneAfterMillis();
        PeersHeard heardFrom = peersHeard(now);
        Map<String, Boolean> removed = store.updateAll(r -> {
            if (r == null) {
                return Result.of(null, Boolean.FALSE);
            }
            if (r.failureExpired(now, ttl)) {
                return Result.of(null, Boolean.TRUE);
            }
            heardFrom.applyTo(r.swarm());
            r.dropGonePeers(now, goneAfter);
            return Result.of(r, Boolean.FALSE);
        });
        // a peer's record goes a peer time-out after the peer left every swarm (its record is at most that much
        // older than its swarms' last-seen times: a pulling peer's record is renewed once it shows up late)
        store.peers().heardBefore(now - goneAfter - limits.peerTimeoutMillis()).forEach(store.peers()::forget);
        List<String> expired = new ArrayList<>();
        removed.forEach((taskId, gone) -> {
            if (Boolean.TRUE.equals(gone)) {
                expired.add(taskId);
                headers.remove(taskId);
                metrics.failedTasksExpired.increment();
            }
        });
        if (!expired.isEmpty()) {
            LOG.info(() -> expired.size() + " failed task(s) expired (" + io.dfly.supernode.config.SupernodeSettings.FAILED_TASK_TTL
                    + "), with their headers and CDN data");
        }
        if (localCdn != null) {
            List<String> local = localCdn.idleTaskIds(); // first: a task made after the listing below is not idle
            if (!local.isEmpty()) {
                Set<String> kept = store.taskIds();
                for (String taskId : local) {
                    if (!kept.contains(taskId) && !localCdn.isWriting(taskId)) {
                        localCdn.delete(taskId);
                    }
                }
            }
        }
        return expired;
    }

    public List<TaskView> list() {
        long now = clock.getAsLong();
        long timeout = limits.peerTimeoutMillis();
        List<TaskView> views = new ArrayList<>(store.readAll(r -> Result.of(r, r == null ? null : r.view(now, timeout))).values());
        views.removeIf(v -> v == null);
        views.sort(Comparator.comparing(TaskView::taskId));
        return views;
    }

    public TaskView view(String taskId) {
        requireTaskId(taskId);
        long now = clock.getAsLong();
        long timeout = limits.peerTimeoutMillis();
        TaskView view = store.read(taskId, r -> Result.of(r, r == null ? null : r.view(now, timeout)));
        if (view == null) {
            throw ApiException.notFound("task_not_found", "no task " + taskId);
        }
        return view;
    }

    /** A task's status and failure, if it exists (read where it lives; the record is not copied). */
    public Optional<Lifecycle> lifecycle(String taskId) {
        return Optional.ofNullable(store.read(taskId, r -> Result.of(r, r == null ? null
                : new Lifecycle(r.status(), r.failCode(), r.failReason(), r.failHttpStatus()))));
    }

    /**
     * A cluster member left: its CDN copies stop being sources, and this member takes over the
     * origin fetches it was running (resuming with Range requests at the first missing piece).
     */
    public void memberGone(String goneMember) {
        String me = self.memberId();
        long now = clock.getAsLong();
        Map<String, Boolean> takeOver = store.updateAll(r -> r == null ? Result.of(null, false)
                : Result.of(r, r.memberGone(goneMember, me, now)));
        takeOver.forEach((taskId, mine) -> {
            if (Boolean.TRUE.equals(mine)) {
                LOG.info(() -> "task " + taskId + ": member " + goneMember + " left mid-download; taking over back-to-source");
                backToSource.start(taskId);
            }
        });
    }

    /**
     * A complete copy this member kept on disk from before a restart ({@code meta.json}): the task goes back
     * into the grid as SUCCESS with this member as its seed when the grid does not have it, or this member
     * becomes one more seed of it when the grid has it with the same length and digests. Returns whether
     * the copy is used (if not, the caller deletes it). The URL kept is the display form only: the first
     * registrant gives the task its own ({@link TaskRecord#adoptUrlIfNone}).
     */
    public boolean restoreLocalCopy(io.dfly.supernode.cdn.CdnStore.TaskMeta meta) {
        String taskId = meta.taskId();
        if (meta.fileDigest() != null && meta.expectedDigest() != null && !meta.fileDigest().equals(meta.expectedDigest())) {
            return false;
        }
        String member = self.memberId();
        String sourceId = self.sourceId();
        String baseUrl = self.baseUrl();
        long now = clock.getAsLong();
        String displayUrl = meta.displayUrl() == null ? "" : meta.displayUrl();
        byte[] sealed = seal.sealUrl(displayUrl, taskId);
        String expected = meta.expectedDigest();
        String fileDigest = meta.fileDigest();
        long length = meta.contentLength();
        int pieceSize = meta.pieceSize();
        List<String> digests = List.copyOf(meta.pieceDigests());
        return Boolean.TRUE.equals(store.update(taskId, r -> {
            if (r == null) {
                TaskRecord restored = TaskRecord.restored(taskId, sealed, displayUrl, expected, fileDigest, length, pieceSize,
                        digests, member, sourceId, baseUrl, now);
                return restored.status() == TaskStatus.SUCCESS ? Result.of(restored, Boolean.TRUE) : Result.of(null, Boolean.FALSE);
            }
            return Result.of(r, r.addRestoredSeed(length, pieceSize, digests, member, sourceId, baseUrl, now));
        }));
    }

    /** This member dropped its copy (GC); the task is forgotten when no member has a copy. */
    public void dropLocalCopy(String taskId) {
        String me = self.memberId();
        Boolean forgotten = store.update(taskId, r -> {
            if (r == null) {
                return Result.of(null, Boolean.TRUE);
            }
            boolean noCopyLeft = r.seedDropped(me);
            return Result.of(noCopyLeft ? null : r, noCopyLeft);
        });
        if (Boolean.TRUE.equals(forgotten)) {
            headers.remove(taskId);
        }
    }

    /** Whether a download of the task may be running anywhere in the cluster. */
    /**
     * The tasks a download of which may be running ({@link TaskRecord#isActive}): one read-only pass over the
     * grid, not one call per task (GC asks about every task it holds, thousands after a while).
     */
    public Set<String> activeTaskIds() {
        long now = clock.getAsLong();
        long timeout = limits.peerTimeoutMillis();
        Set<String> out = new java.util.HashSet<>();
        store.readAll(r -> Result.of(r, r != null && r.isActive(now, timeout))).forEach((id, active) -> {
            if (Boolean.TRUE.equals(active)) {
                out.add(id);
            }
        });
        return out;
    }

    public int taskCount() {
        return store.size();
    }

    static void requireTaskId(String taskId) {
        if (!TaskIds.isValid(taskId)) {
            throw ApiException.badRequest("invalid task id (want 64 lowercase hex characters)");
        }
    }

    static String requirePeerId(String peerId) {
        if (peerId == null || peerId.isBlank() || peerId.length() > 256 || peerId.startsWith("supernode:")
                || peerId.chars().anyMatch(c -> c < 0x21 || c == 0x7f)) {
            throw ApiException.badRequest("invalid peerId (want 1-256 visible characters, not starting with 'supernode:')");
        }
        return peerId;
    }

    static String requireHttpUrl(String url, String field) {
        if (url == null || url.isBlank()) {
            throw ApiException.badRequest("missing " + field);
        }
        try {
            URI u = new URI(url);
            String scheme = u.getScheme();
            if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https")) || u.getHost() == null) {
                throw ApiException.badRequest(field + " must be an absolute http(s) URL");
            }
        } catch (java.net.URISyntaxException e) {
            throw ApiException.badRequest(field + " is not a valid URL");
        }
        return url;
    }

    private static String emptyToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
