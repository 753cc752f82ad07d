package io.dfly.engine;

import io.dfly.core.config.HostPort;
import io.dfly.core.download.DownloadException;
import io.dfly.core.download.DownloadHandle;
import io.dfly.core.download.DownloadRequest;
import io.dfly.core.download.Downloader;
import io.dfly.core.piece.Digests;
import io.dfly.core.security.HostTokens;
import io.dfly.core.security.SafeUrls;
import io.dfly.core.task.TaskIds;

import io.dfly.core.metrics.Meters;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The P2P download engine of one host (a dfdaemon, or dfget running alone). Owns the {@link PieceStore},
 * the upload side ({@link PieceUploadService} and its {@link PeerUploadServer}), the {@link SupernodeClient},
 * the shared rate limits and the {@link EngineMetrics}. Concurrent downloads of the same task join one
 * {@link TaskDownload}. Everything it says to supernodes and peers carries this host's token (from the
 * cluster secret); what it serves goes only to peers holding the supernode's grant.
 */
public final class P2PEngine implements Downloader, AutoCloseable {
    private static final Logger LOG = Logger.getLogger("io.dfly.engine");

    final EngineConfig config;
    final PieceStore store;
    final EngineMetrics metrics;
    final TokenBucket downloadBucket;
    final TokenBucket uploadBucket;
    final SupernodeClient supernodes;
    final PieceFetcher fetcher;
    final OriginFetcher origin;
    final ExecutorService executor;
    private final ScheduledExecutorService heartbeats;
    private final PieceUploadService uploadService;
    private final PeerUploadServer uploadServer;
    private final String advertisedUrl;
    private final Map<String, TaskDownload> active = new HashMap<>();
    /** Per supernode, the ids of the tasks this peer registered in there and still downloads or serves. */
    private final Map<HostPort, Set<String>> registrations = new LinkedHashMap<>();
    /** Pauses between the tries of a back-to-source download that hit a fault (5xx, reset, short body). */
    volatile long[] originBackoffMillis = {500, 1000, 2000, 4000};
    private volatile boolean closed;

    /** An engine whose metrics stay in memory (dfget alone, tests). */
    public P2PEngine(EngineConfig config) {
        this(config, Meters.inMemory());
    }

    /** An engine that counts into {@code meters} (dfdaemon: MicroProfile Metrics). */
    public P2PEngine(EngineConfig config, Meters meters) {
        this.config = config;
        this.metrics = new EngineMetrics(meters);
        meters.gauge("dfly_engine_downloads_active", "Downloads (tasks) running on this host now", this::activeDownloads);
        this.store = new PieceStore(config.dataDir());
        this.downloadBucket = new TokenBucket(config.rateLimit());
        this.uploadBucket = new TokenBucket(config.uploadRateLimit());
        // redirects are never followed by the client: OriginFetcher follows them itself, checking each hop
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).followRedirects(HttpClient.Redirect.NEVER).build();
        HostTokens tokens = config.clusterSecret().hostTokens();
        this.supernodes = new SupernodeClient(config.supernodes(), http, tokens, config.peerId());
        this.fetcher = new PieceFetcher(downloadBucket, tokens, config.peerId(), config.pieceMinRate());
        this.origin = new OriginFetcher(http, config.origins());
        this.executor = Executors.newCachedThreadPool(daemon("dfly-engine"));
        this.uploadService = new PieceUploadService(store, uploadBucket, metrics, tokens, config.clusterSecret().pieceGrants());
        if (config.uploadPort() >= 0) {
            try {
                uploadServer = new PeerUploadServer(config.uploadBindAddress(), config.uploadPort(), uploadService);
            } catch (RuntimeException e) {
                store.close();
                fetcher.close();
                origin.close();
                throw e;
            }
            advertisedUrl = "http://" + config.advertiseIp() + ":" + uploadServer.port();
        } else {
            uploadServer = null;
            advertisedUrl = config.advertisedUrl();
        }
        heartbeats = Executors.newSingleThreadScheduledExecutor(daemon("dfly-heartbeat"));
        long every = Math.max(100, config.heartbeatInterval().toMillis());
        heartbeats.scheduleWithFixedDelay(this::heartbeat, every, every, TimeUnit.MILLISECONDS);
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    public EngineConfig config() { return config; }
    public EngineMetrics metrics() { return metrics; }
    public PieceStore store() { return store; }
    /** The one "serve a piece" implementation (authorization included); the upload server calls it. */
    public PieceUploadService uploadService() { return uploadService; }
    /** Base URL other peers fetch this host's pieces from. */
    public String advertisedUrl() { return advertisedUrl; }
    /** Port of the in-process upload server, or -1 when pieces are served by someone else. */
    public int uploadPort() { return uploadServer == null ? -1 : uploadServer.port(); }

    @Override
    public DownloadHandle start(DownloadRequest request) throws DownloadException {
        validate(request);
        String taskId;
        try {
            taskId = TaskIds.derive(request.url(), request.digest(), request.identifier(), config.volatileParams());
        } catch (IllegalArgumentException e) {
            throw new DownloadException(DownloadException.Kind.BAD_REQUEST, e.getMessage());
        }
        synchronized (active) {
            if (closed) {
                throw new DownloadException(DownloadException.Kind.INTERNAL, "engine is shut down");
            }
            TaskDownload running = active.get(taskId);
            if (running != null && !running.isFailed()) {
                running.refs++;
                return new EngineHandle(this, running);
            }
            Optional<io.dfly.engine.StoredTask> done = store.findComplete(taskId);
            if (done.isPresent()) {
                return new EngineHandle(this, TaskDownload.completed(this, taskId, request, done.get()));
            }
            TaskDownload d = new TaskDownload(this, taskId, request);
            active.put(taskId, d);
            executor.execute(d::run);
            return new EngineHandle(this, d);
        }
    }

    private void validate(DownloadRequest r) throws DownloadException {
        if (r.url() == null || r.url().isBlank()) {
            throw new DownloadException(DownloadException.Kind.BAD_REQUEST, "no URL given");
        }
        try {
            URI u = new URI(r.url());
            if (u.getScheme() == null || !(u.getScheme().equalsIgnoreCase("http") || u.getScheme().equalsIgnoreCase("https"))
                    || u.getHost() == null) {
                throw new DownloadException(DownloadException.Kind.BAD_REQUEST, "not an http(s) URL: " + SafeUrls.display(r.url()));
            }
            // asking a supernode for a URL this host may not fetch itself would sidestep the policy
            Optional<String> refusal = config.origins().refusal(u);
            if (refusal.isPresent()) {
                throw new DownloadException(DownloadException.Kind.ORIGIN_DENIED, refusal.get());
            }
        } catch (java.net.URISyntaxException e) {
            throw new DownloadException(DownloadException.Kind.BAD_REQUEST, "not a valid URL: " + SafeUrls.display(r.url()));
        }
        if (r.digest() != null && !r.digest().isBlank() && !Digests.isValid(r.digest())) {
            throw new DownloadException(DownloadException.Kind.BAD_REQUEST,
                    "bad digest '" + r.digest() + "' (want sha256:<64 lowercase hex>)");
        }
    }

    void release(TaskDownload d) {
        boolean stop;
        synchronized (active) {
            d.refs--;
            stop = d.refs <= 0 && active.get(d.taskId) == d;
        }
        if (stop && !d.completion().isDone()) {
            d.cancel();
        }
    }

    void finished(TaskDownload d) {
        synchronized (active) {
            active.remove(d.taskId, d);
        }
    }

    /** Downloads running now (a download known by two task ids counts once). */
    long activeDownloads() {
        synchronized (active) {
            return active.values().stream().distinct().count();
        }
    }

    void registered(HostPort sn, String taskId) {
        synchronized (registrations) {
            registrations.computeIfAbsent(sn, k -> new LinkedHashSet<>()).add(taskId);
        }
    }

    /**
     * This peer no longer downloads or serves the task: it is no longer counted as registered there (with no
     * task left at a supernode, heartbeats to it stop). Kept while the store still has it (a completed task
     * keeps being served, so it stays listed).
     */
    void forget(String taskId, TaskDownload ending) {
        if (store.find(taskId).isPresent()) {
            return;
        }
        synchronized (active) {
            for (TaskDownload d : active.values()) {
                if (d != ending && d.taskIds().contains(taskId)) {
                    return; // a new download of it runs (and registered again)
                }
            }
        }
        synchronized (registrations) {
            registrations.values().forEach(ids -> ids.remove(taskId));
            registrations.values().removeIf(Set::isEmpty);
        }
    }

    /** Per supernode, the task ids registered there and still running or stored here: those get heartbeats. */
    Map<HostPort, List<String>> heldRegistrations() {
        Set<String> running = new java.util.HashSet<>();
        synchronized (active) {
            active.values().forEach(d -> running.addAll(d.taskIds()));
        }
        Map<HostPort, List<String>> out = new LinkedHashMap<>();
        synchronized (registrations) {
            for (var it = registrations.entrySet().iterator(); it.hasNext(); ) {
                var e = it.next();
                e.getValue().removeIf(id -> !running.contains(id) && store.find(id).isEmpty());
                if (e.getValue().isEmpty()) {
                    it.remove();
                } else {
                    out.put(e.getKey(), new ArrayList<>(e.getValue()));
                }
            }
        }
        return out;
    }

    private void heartbeat() {
        try {
            // one small request per supernode, however many tasks are held there (issue 12: heartbeats naming
            // every cached task were 73 % of a warm supernode's CPU)
            heldRegistrations().keySet().forEach(sn -> {
                try {
                    supernodes.heartbeat(sn, config.peerId());
                } catch (java.io.IOException | RuntimeException e) {
                    LOG.log(Level.FINE, "heartbeat to " + sn + " failed", e);
                }
            });
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "heartbeat failed (the next one tries again)", e); // never ends the schedule
        }
    }

    /** The one clear line of a store write that failed: the disk is full, or the data dir is not writable. */
    DownloadException storeFailure(java.io.IOException e) {
        if (DiskSpace.isFull(e)) {
            return new DownloadException(DownloadException.Kind.INTERNAL, "no space left in " + config.dataDir() + " ("
                    + config.dataDirSetting() + ")", e);
        }
        return new DownloadException(DownloadException.Kind.INTERNAL, "cannot write to " + config.dataDir() + " ("
                + config.dataDirSetting() + "): " + io.dfly.core.security.SafeText.scrub(String.valueOf(e.getMessage())), e);
    }

    /**
     * Runs the GC policies once over the completed tasks in the store and deletes what they select;
     * a task being downloaded is never evicted. Returns the ids evicted.
     */
    public List<String> collectGarbage(List<io.dfly.spi.GcPolicy> policies) {
        Set<String> running;
        synchronized (active) {
            running = new java.util.HashSet<>();
            active.values().forEach(d -> {
                running.add(d.taskId);
                if (d.stored() != null) {
                    running.add(d.stored().taskId());
                }
            });
        }
        List<io.dfly.spi.CachedTask> cached = new java.util.ArrayList<>();
        for (StoredTask t : store.all()) {
            cached.add(new io.dfly.spi.CachedTask(t.taskId(), t.sizeOnDisk(), t.created(), t.lastAccess(),
                    !t.isComplete() || running.contains(t.taskId())));
        }
        io.dfly.spi.DiskUsage disk;
        try {
            java.nio.file.FileStore fs = java.nio.file.Files.getFileStore(store.root());
            disk = new io.dfly.spi.DiskUsage(fs.getTotalSpace(), fs.getTotalSpace() - fs.getUsableSpace());
        } catch (java.io.IOException e) {
            disk = new io.dfly.spi.DiskUsage(0, 0);
        }
        List<String> evicted = new java.util.ArrayList<>();
        java.time.Instant now = java.time.Instant.now();
        for (io.dfly.spi.GcPolicy policy : policies) {
            for (io.dfly.spi.CachedTask t : policy.selectEvictions(cached, disk, now)) {
                if (!t.active() && !evicted.contains(t.taskId())) {
                    store.delete(t.taskId());
                    leaveEverywhere(t.taskId());
                    evicted.add(t.taskId());
                    LOG.info("GC policy " + policy.name() + " evicted task " + t.taskId());
                }
            }
            cached.removeIf(t -> evicted.contains(t.taskId()));
        }
        return evicted;
    }

    /** The task is gone from here: tell each supernode it was registered at, and stop naming it. */
    private void leaveEverywhere(String taskId) {
        List<HostPort> at = new ArrayList<>();
        synchronized (registrations) {
            registrations.forEach((sn, ids) -> {
                if (ids.contains(taskId)) {
                    at.add(sn);
                }
            });
        }
        forget(taskId, null);
        at.forEach(sn -> supernodes.leave(sn, taskId, config.peerId()));
    }

    /** Longest {@link #close} spends telling supernodes this peer leaves its swarms (one DELETE per task). */
    static final Duration LEAVE_BUDGET = Duration.ofSeconds(5);
    /** Leaves sent at once while stopping. */
    static final int LEAVE_THREADS = 8;

    /**
     * Leaves these swarms, {@link #LEAVE_THREADS} at a time, for at most {@link #LEAVE_BUDGET}: a host with
     * thousands of cached tasks stops in seconds (one at a time, 1,500 took over 10 s in bench/herd). Swarms not
     * told in time drop this peer once it has been silent for twice {@code dfly.supernode.peer-timeout}.
     */
    private void leaveAll(List<Map.Entry<HostPort, String>> regs) {
        if (regs.isEmpty()) {
            return;
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(LEAVE_THREADS, regs.size()), daemon("dfly-leave"));
        java.util.concurrent.atomic.AtomicInteger told = new java.util.concurrent.atomic.AtomicInteger();
        for (Map.Entry<HostPort, String> r : regs) {
            pool.execute(() -> {
                supernodes.leave(r.getKey(), r.getValue(), config.peerId());
                told.incrementAndGet();
            });
        }
        pool.shutdown();
        boolean all = false;
        try {
            all = pool.awaitTermination(LEAVE_BUDGET.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!all) {
            pool.shutdownNow();
            LOG.info("stopping: told supernodes of leaving " + told.get() + " of " + regs.size() + " swarms in "
                    + LEAVE_BUDGET.toSeconds() + " s; they drop this peer from the others once it has been silent for"
                    + " twice dfly.supernode.peer-timeout");
        }
    }

    /** Stops serving and downloading: leaves every swarm, cancels running downloads, closes files. */
    @Override
    public void close() {
        List<TaskDownload> running;
        synchronized (active) {
            if (closed) {
                return;
            }
            closed = true;
            running = List.copyOf(active.values());
        }
        running.forEach(TaskDownload::cancel);
        heartbeats.shutdownNow();
        if (uploadServer != null) {
            uploadServer.close();
        }
        List<Map.Entry<HostPort, String>> regs = new ArrayList<>();
        synchronized (registrations) {
            registrations.forEach((sn, ids) -> ids.forEach(id -> regs.add(Map.entry(sn, id))));
        }
        leaveAll(regs);
        for (TaskDownload d : running) {
            try {
                d.completion().get(10, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // cancelled or failed: fine while shutting down
            }
        }
        executor.shutdownNow();
        fetcher.close();
        origin.close();
        store.close();
    }
}
