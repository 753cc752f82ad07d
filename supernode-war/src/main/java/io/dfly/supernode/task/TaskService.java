package io.dfly.supernode.task;

import io.dfly.core.protocol.PieceReport;
import io.dfly.core.protocol.PieceSet;
import io.dfly.core.protocol.PullAction;
import io.dfly.core.protocol.PullRequest;
import io.dfly.core.protocol.PullResponse;
import io.dfly.core.protocol.RegisterRequest;
import io.dfly.core.protocol.RegisterResponse;
import io.dfly.core.protocol.TaskStatus;
import io.dfly.core.task.TaskIds;
import io.dfly.scheduler.RarestFirstScheduler;
import io.dfly.scheduler.SchedulerLimits;
import io.dfly.supernode.cdn.BackToSource;
import io.dfly.supernode.metrics.SupernodeMetrics;
import io.dfly.supernode.task.TaskAction.Result;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongSupplier;
import java.util.logging.Logger;

/**
 * The supernode's task API in plain Java: register, pull, report, leave, heartbeat, views, and
 * taking over back-to-source when a member dies. Works the same on every cluster member.
 */
public final class TaskService {
    private static final Logger LOG = Logger.getLogger(TaskService.class.getName());

    private final TaskStore store;
    private final OriginHeaderStore headers;
    private final BackToSource backToSource;
    private final SeedIdentity self;
    private final SchedulerLimits limits;
    private final int peerDownloadLimit;
    private final List<String> volatileParams;
    private final Duration registerTimeout;
    private final SupernodeMetrics metrics;
    private final LongSupplier clock;

    public TaskService(TaskStore store, OriginHeaderStore headers, BackToSource backToSource, SeedIdentity self,
                       SchedulerLimits limits, int peerDownloadLimit, List<String> volatileParams,
                       Duration registerTimeout, SupernodeMetrics metrics, LongSupplier clock) {
        this.store = store;
        this.headers = headers;
        this.backToSource = backToSource;
        this.self = self;
        this.limits = limits;
        this.peerDownloadLimit = peerDownloadLimit;
        this.volatileParams = List.copyOf(volatileParams);
        this.registerTimeout = registerTimeout;
        this.metrics = metrics;
        this.clock = clock;
    }

    public SeedIdentity self() {
        return self;
    }

    /** A peer joins the swarm; the first registration of a task starts back-to-source (once, cluster-wide). */
    public RegisterResponse register(RegisterRequest req) {
        if (req == null) {
            throw ApiException.badRequest("missing request body");
        }
        String peerId = requirePeerId(req.peerId());
        String peerUrl = requireHttpUrl(req.peerUrl(), "peerUrl");
        String taskId = ensureTask(req.url(), req.headers(), req.digest(), req.identifier());
        long now = clock.getAsLong();
        TaskView view = store.update(taskId, r -> {
            if (r == null || r.swarm() == null) {
                return Result.of(r, null);
            }
            r.swarm().join(peerId, peerUrl, false, now);
            r.touch(now);
            return Result.of(r, r.view(now, 0));
        });
        if (view == null) {
            throw new ApiException(503, "task_gone", "task " + taskId + " was removed while registering; try again");
        }
        return new RegisterResponse(taskId, view.contentLength(), view.pieceSize(), view.status(), self.sourceId());
    }

    /**
     * Creates the task (or joins it) and waits until the origin's answer is known. Returns the task
     * id; throws the origin's error (404, 401/403, 502) when it failed.
     */
    public String ensureTask(String url, Map<String, String> originHeaders, String digest, String identifier) {
        requireHttpUrl(url, "url");
        String taskId;
        String displayUrl;
        try {
            taskId = TaskIds.derive(url, emptyToNull(digest), emptyToNull(identifier), volatileParams);
            displayUrl = TaskIds.normalizeUrl(url, volatileParams);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        headers.put(taskId, originHeaders == null ? Map.of() : Map.copyOf(originHeaders));
        long now = clock.getAsLong();
        String member = self.memberId();
        String expected = emptyToNull(digest);
        Boolean claimed = store.update(taskId, r -> {
            if (r == null) {
                return Result.of(new TaskRecord(taskId, url, displayUrl, expected, member, now), true);
            }
            if (r.status() == TaskStatus.FAILED) {
                r.restart(member, now);
                return Result.of(r, true);
            }
            r.touch(now);
            return Result.of(r, r.takeOverIfOrphaned(member, now));
        });
        if (claimed) {
            LOG.info(() -> "task " + taskId + ": new, fetching " + displayUrl + " from the origin");
            backToSource.start(taskId).join();
        }
        Lifecycle rec = awaitOriginAnswer(taskId);
        if (rec.status() == TaskStatus.FAILED) {
            throw new ApiException(rec.failHttpStatus() > 0 ? rec.failHttpStatus() : 502,
                    rec.failCode() != null ? rec.failCode() : "origin_error", rec.failReason());
        }
        return taskId;
    }

    /** The lifecycle fields a waiting registration needs (small: not the whole record). */
    public record Lifecycle(TaskStatus status, String failCode, String failReason, int failHttpStatus)
            implements java.io.Serializable {
    }

    private Lifecycle awaitOriginAnswer(String taskId) {
        long deadline = System.nanoTime() + registerTimeout.toNanos();
        while (true) {
            Lifecycle rec = lifecycle(taskId).orElse(null);
            if (rec == null) {
                throw new ApiException(503, "task_gone", "task " + taskId + " was removed while registering");
            }
            if (rec.status() != TaskStatus.WAITING) {
                return rec;
            }
            if (System.nanoTime() > deadline) {
                throw new ApiException(504, "origin_timeout", "the origin did not answer within " + registerTimeout);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ApiException(503, "interrupted", "interrupted");
            }
        }
    }

    public PullResponse pull(String taskId, PullRequest req) {
        requireTaskId(taskId);
        if (req == null) {
            throw ApiException.badRequest("missing request body");
        }
        String peerId = requirePeerId(req.peerId());
        BitSet have;
        try {
            have = PieceSet.decode(req.have());
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        // a peer fetches at most peer-download-limit pieces at once, whatever it asks for
        int max = Math.max(0, Math.min(req.maxPieces(), peerDownloadLimit));
        long now = clock.getAsLong();
        SchedulerLimits lim = limits;
        // Hazelcast runs this update again on the backup replica: the time and the random seed are
        // fixed here, outside it, so both replicas make exactly the same decisions
        long seed = ThreadLocalRandom.current().nextLong();
        TaskRecord.PullOutcome out = store.update(taskId, r -> {
            if (r == null) {
                return Result.of(null, null);
            }
            RarestFirstScheduler scheduler = new RarestFirstScheduler(lim, new SplittableRandom(seed));
            return Result.of(r, r.pull(peerId, have, max, scheduler, lim.inFlightTimeoutMillis(), now));
        });
        if (out == null) {
            throw ApiException.notFound("task_not_found", "no task " + taskId + "; register first");
        }
        if (out.action().equals("UNKNOWN_PEER")) {
            throw ApiException.notFound("peer_not_registered", "peer " + peerId + " is not in task " + taskId + "; register first");
        }
        return new PullResponse(PullAction.valueOf(out.action()), out.assignments(), out.contentLength(),
                out.pieceCount(), out.pieceSize(), out.fileDigest(), out.reason(), out.waitMillis());
    }

    public void report(String taskId, PieceReport report) {
        requireTaskId(taskId);
        if (report == null) {
            throw ApiException.badRequest("missing request body");
        }
        String peerId = requirePeerId(report.peerId());
        int piece = report.pieceNum();
        if (piece < 0) {
            throw ApiException.badRequest("pieceNum must be 0 or more");
        }
        String source = report.sourcePeerId();
        boolean success = report.success();
        long now = clock.getAsLong();
        Long fromPeer = store.update(taskId, r -> r == null ? Result.of(null, null)
                : Result.of(r, r.report(peerId, piece, source, success, now)));
        if (fromPeer == null) {
            throw ApiException.notFound("task_not_found", "no task " + taskId);
        }
        if (success) {
            metrics.bytesServedByPeers.addAndGet(fromPeer);
        } else {
            metrics.pieceFailures.incrementAndGet();
        }
    }

    public void leave(String taskId, String peerId) {
        requireTaskId(taskId);
        String id = requirePeerId(peerId);
        Boolean found = store.update(taskId, r -> {
            if (r == null) {
                return Result.of(null, false);
            }
            if (r.swarm() != null) {
                r.swarm().leave(id);
            }
            return Result.of(r, true);
        });
        if (!found) {
            throw ApiException.notFound("task_not_found", "no task " + taskId);
        }
    }

    public void heartbeat(String peerId) {
        String id = requirePeerId(peerId);
        long now = clock.getAsLong();
        store.updateAll(r -> {
            if (r != null && r.swarm() != null) {
                r.swarm().touch(id, now);
            }
            return Result.of(r, null);
        });
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
    public boolean isActive(String taskId) {
        long now = clock.getAsLong();
        long timeout = limits.peerTimeoutMillis();
        return Boolean.TRUE.equals(store.read(taskId, r -> Result.of(r, r != null && r.isActive(now, timeout))));
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
