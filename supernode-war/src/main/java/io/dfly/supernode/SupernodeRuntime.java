package io.dfly.supernode;

import io.dfly.core.security.SafeText;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import io.dfly.core.plugin.PluginCatalog;
import io.dfly.scheduler.SchedulerLimits;
import io.dfly.spi.DiskUsage;
import io.dfly.spi.GcPolicy;
import io.dfly.supernode.auth.OperatorAuthenticator;
import io.dfly.supernode.auth.PeerAuthenticator;
import io.dfly.supernode.auth.PieceAccess;
import io.dfly.supernode.cdn.BackToSource;
import io.dfly.supernode.cdn.CdnStore;
import io.dfly.supernode.cdn.MirrorReceiver;
import io.dfly.supernode.cdn.OriginClient;
import io.dfly.supernode.cluster.ClusterMember;
import io.dfly.supernode.cluster.HazelcastOriginHeaders;
import io.dfly.supernode.cluster.HazelcastPieceMirror;
import io.dfly.supernode.cluster.HazelcastPreheatStore;
import io.dfly.supernode.cluster.HazelcastTaskStore;
import io.dfly.microprofile.MicroProfileSettings;
import io.dfly.supernode.config.SupernodeSecrets;
import io.dfly.supernode.config.SupernodeSettings;
import io.dfly.supernode.dashboard.Dashboard;
import io.dfly.supernode.dashboard.DashboardService;
import io.dfly.supernode.gc.GcRunner;
import io.dfly.supernode.metrics.SupernodeMetrics;
import io.dfly.supernode.metrics.TaskGauges;
import io.dfly.core.metrics.Meters;
import io.dfly.supernode.preheat.ImageResolver;
import io.dfly.supernode.preheat.PreheatService;
import io.dfly.supernode.task.SeedIdentity;
import io.dfly.supernode.task.TaskService;
import io.dfly.supernode.task.TaskSignals;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.enterprise.context.BeforeDestroyed;
import io.dfly.core.jvm.CompilerPolicy;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Wires the supernode at startup: its Hazelcast member, CDN, task service, preheat, GC schedule.
 * Everything here is plain Java; JAX-RS resources only translate HTTP to calls on these objects.
 */
@ApplicationScoped
public class SupernodeRuntime {
    private static final Logger LOG = Logger.getLogger("io.dfly.supernode");
    /** Threads re-running held pulls when they wake (the pulls of one task queue on its owner anyway). */
    private static final int PULL_HOLD_THREADS = 4;
    /**
     * Origin fetches running at once on one member (each holds up to three piece buffers); more wait their
     * turn, and their registrations wait as for a slow origin (at most 256, then 503).
     */
    static final int MAX_RUNNING_FETCHES = 64;
    /** Preheat jobs run at once, and how many may wait behind them before a new one fails as 'busy'. */
    static final int PREHEAT_THREADS = 8;
    static final int PREHEAT_QUEUE = 256;
    /** Members' departures waiting to be taken over (one runs at a time). */
    static final int TAKEOVER_QUEUE = 64;
    /** How long a fetch waits for its mirror to take one piece before it stops copying there. */
    static final Duration MIRROR_TIMEOUT = Duration.ofSeconds(30);

    @Inject
    SupernodeSettings injectedSettings;
    @Inject
    PluginCatalog plugins;
    @Inject
    SupernodeSecrets injectedSecrets;
    @Inject
    Meters meters;
    private volatile SupernodeSettings settings;
    private volatile PeerAuthenticator peerAuth;
    private volatile OperatorAuthenticator operatorAuth;
    private volatile PieceAccess pieceAccess;
    private volatile HazelcastInstance hazelcast;
    private volatile CdnStore cdn;
    private volatile TaskService tasks;
    private volatile PreheatService preheats;
    private volatile DashboardService dashboard;
    private volatile SupernodeMetrics metrics;
    private ExecutorService workers;
    private ExecutorService takeovers;
    private ThreadPoolExecutor fetches;
    private ExecutorService publishers;
    private BackToSource backToSource;
    private ScheduledExecutorService timers;
    /** Wakes requests held on this member (pulls, registrations) when a task changes here. */
    private final TaskSignals signals = new TaskSignals();
    /** Held pulls' time-outs and re-runs: a held pull takes no thread while it waits. */
    private ScheduledThreadPoolExecutor pullHolds;

    /** Runs after the settings were validated (the validating observer has the default priority). */
    void onStart(@Observes @Priority(jakarta.interceptor.Interceptor.Priority.APPLICATION + 900)
                 @Initialized(ApplicationScoped.class) Object ignored) {
        try {
            start();
        } catch (RuntimeException e) {
            String why = SafeText.scrub(e.getMessage());
            LOG.log(Level.SEVERE, "dfly supernode cannot start: " + why, SafeText.scrubbed(e));
            System.err.println("dfly supernode cannot start: " + why);
            System.err.flush();
            Runtime.getRuntime().halt(2);
        }
    }

    void onStop(@Observes @BeforeDestroyed(ApplicationScoped.class) Object ignored) {
        stop();
    }

    private synchronized void start() {
        SupernodeSettings s = injectedSettings;
        SupernodeSecrets secrets = injectedSecrets;
        settings = s;
        CompilerPolicy.apply(s.c2ForFrameworks(), SupernodeSettings.C2_FOR_FRAMEWORKS, LOG);
        metrics = new SupernodeMetrics(meters);
        // preheat jobs: a fixed number at once, a bounded queue behind them (a full one fails the job: 'busy')
        workers = bounded(PREHEAT_THREADS, PREHEAT_QUEUE, "dfly-supernode-preheat");
        // take-overs when a member leaves: one at a time, apart from preheats so that none waits behind them
        takeovers = bounded(1, TAKEOVER_QUEUE, "dfly-supernode-takeover");
        timers = Executors.newSingleThreadScheduledExecutor(daemon("dfly-supernode-timer"));
        pullHolds = new ScheduledThreadPoolExecutor(PULL_HOLD_THREADS, daemon("dfly-supernode-pull-hold"));
        pullHolds.setRemoveOnCancelPolicy(true);
        cdn = new CdnStore(s.dataDir(), System::currentTimeMillis);
        // complete copies from before a restart are served again; incomplete leftovers are deleted
        List<CdnStore.TaskMeta> kept = cdn.recover();
        hazelcast = ClusterMember.start(s, secrets.cluster(), SupernodeRuntime.class.getClassLoader());
        String memberId = hazelcast.getCluster().getLocalMember().getUuid().toString();
        SeedIdentity self = SeedIdentity.of(memberId, s.advertiseIp(), s.port());
        HazelcastTaskStore store = new HazelcastTaskStore(hazelcast);
        HazelcastOriginHeaders headers = new HazelcastOriginHeaders(hazelcast.getMap(ClusterMember.ORIGIN_HEADERS),
                secrets.gridBox());
        OriginClient origin = new OriginClient(Duration.ofSeconds(10), s.allowedOrigins());
        fetches = new ThreadPoolExecutor(MAX_RUNNING_FETCHES, MAX_RUNNING_FETCHES, 60, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), daemon("dfly-supernode-fetch"));
        fetches.allowCoreThreadTimeOut(true);
        publishers = Executors.newCachedThreadPool(daemon("dfly-supernode-publish"));
        BackToSource b2s = new BackToSource(store, headers, cdn, origin, self, metrics, fetches, publishers,
                System::currentTimeMillis, s.originRateLimit(), signals, secrets.cluster());
        // matched slots: a peer fetches at most as many pieces at once as a peer uploads; full-rate transfers:
        // within them, one flowing transfer per end, the others only around a stalled one (bench/README.md)
        SchedulerLimits limits = new SchedulerLimits(s.peerUploadLimit(), s.seedUploadLimit(), s.peerMaxFailures(),
                s.peerTimeout().toMillis(), Math.max(30_000, 2 * s.peerTimeout().toMillis()))
                .withPeerFetchLimit(s.peerUploadLimit()).withFlowMillis(SchedulerLimits.DEFAULT_FLOW_MILLIS);
        // each piece a fetch publishes is copied to one other member: a member that dies mid-fetch costs the
        // origin only the few pieces it had not copied yet (issue 11, case 5)
        b2s.mirrorPiecesTo(new HazelcastPieceMirror(hazelcast, new MirrorReceiver(store, cdn, self,
                System::currentTimeMillis, signals), MIRROR_TIMEOUT));
        backToSource = b2s;
        tasks = new TaskService(store, headers, b2s, self, secrets.cluster(), limits, s.peerDownloadLimit(), s.volatileQueryParams(),
                s.registerTimeout(), s.failedTaskTtl(), metrics, System::currentTimeMillis, signals, pullHolds);
        restore(kept);
        dashboard = dashboard(store, memberId, limits.peerTimeoutMillis());
        new TaskGauges(tasks::list, System::currentTimeMillis).register(meters);
        com.hazelcast.flakeidgen.FlakeIdGenerator jobNumbers = hazelcast.getFlakeIdGenerator(ClusterMember.PREHEAT_IDS);
        preheats = new PreheatService(new HazelcastPreheatStore(hazelcast.getMap(ClusterMember.PREHEATS),
                hazelcast.getMap(ClusterMember.PREHEAT_NUMBERS)), tasks,
                new ImageResolver(origin, s.preheatPlatforms()), workers, s.volatileQueryParams(), Clock.systemUTC(),
                jobNumbers::newId);
        hazelcast.getCluster().addMembershipListener(new MembershipListener() {
            @Override
            public void memberAdded(MembershipEvent e) {
                LOG.info(() -> "supernode cluster: member joined " + e.getMember().getAddress());
            }

            @Override
            public void memberRemoved(MembershipEvent e) {
                String gone = e.getMember().getUuid().toString();
                LOG.info(() -> "supernode cluster: member left " + e.getMember().getAddress());
                try {
                    takeovers.execute(() -> {
                        try {
                            tasks.memberGone(gone);
                        } catch (RuntimeException ex) {
                            LOG.log(Level.WARNING, "taking over from member " + gone + " failed", SafeText.scrubbed(ex));
                        }
                    });
                } catch (RejectedExecutionException ex) {
                    LOG.warning(() -> "taking over from member " + gone + " refused: " + TAKEOVER_QUEUE
                            + " take-overs already waiting");
                }
            }
        });
        peerAuth = new PeerAuthenticator(secrets.hostTokens());
        operatorAuth = new OperatorAuthenticator(secrets.operator());
        pieceAccess = new PieceAccess(secrets.hostTokens(), secrets.pieceGrants());
        startGc(s);
        startSweeps(s);
        LOG.info(() -> "dfly supernode " + self.sourceId() + " up: cluster '" + s.clusterName()
                + "' (members need the cluster secret) on " + s.clusterInterface() + ":" + s.clusterPort() + ", " + hazelcast.getCluster().getMembers().size() + " member(s), data dir " + s.dataDir());
    }

    /** Puts the copies this member kept on disk back into the grid (see {@link TaskService#restoreLocalCopy}). */
    private void restore(List<CdnStore.TaskMeta> kept) {
        int used = 0;
        for (CdnStore.TaskMeta m : kept) {
            boolean ok;
            try {
                ok = tasks.restoreLocalCopy(m);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "task " + m.taskId() + ": cannot restore its kept copy", SafeText.scrubbed(e));
                ok = false;
            }
            if (ok) {
                used++;
            } else {
                cdn.delete(m.taskId());
            }
        }
        // a kept piece that no longer matches its digest when first served: this member stops seeding the task
        cdn.onCorrupt(taskId -> tasks.dropLocalCopy(taskId));
        if (!kept.isEmpty()) {
            int n = used;
            LOG.info(() -> "CDN: " + n + " of " + kept.size() + " task(s) kept from before the restart are served again"
                    + " without the origin");
        }
    }

    /** The dashboard's view: the grid's tasks, this Hazelcast cluster's members, this member's counters. */
    private DashboardService dashboard(HazelcastTaskStore store, String memberId, long peerTimeoutMillis) {
        HazelcastInstance hz = hazelcast;
        return new DashboardService(store, () -> hz.getCluster().getMembers().stream()
                .map(m -> new Dashboard.Member(m.getUuid().toString(), m.getAddress().getHost() + ":" + m.getAddress().getPort(),
                        m.localMember()))
                .toList(),
                () -> new Dashboard.MemberCounters(metrics.bytesFromOrigin.count(), metrics.bytesServed.count(),
                        metrics.pieceFailures(), metrics.originRetries.count(), metrics.registrationsRefused.count()),
                memberId, peerTimeoutMillis, System::currentTimeMillis);
    }

    private void startGc(SupernodeSettings s) {
        List<GcPolicy> policies = plugins.createGcPolicies(s.gcPolicies(), MicroProfileSettings.properties());
        GcRunner runner = new GcRunner(policies, new GcRunner.Cache() {
            @Override
            public List<io.dfly.spi.CachedTask> cachedTasks() {
                return cdn.cachedTasks(tasks.activeTaskIds()::contains);
            }

            @Override
            public long evict(String taskId) {
                tasks.dropLocalCopy(taskId);
                long freed = cdn.delete(taskId);
                metrics.gcFreedBytes.add(freed);
                metrics.gcEvictedTasks.increment();
                return freed;
            }
        }, () -> diskUsage(s.dataDir()), Clock.systemUTC());
        long every = Math.max(1000, s.gcInterval().toMillis());
        timers.scheduleWithFixedDelay(() -> {
            try {
                runner.runOnce();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "GC pass failed", SafeText.scrubbed(e));
            }
        }, every, every, TimeUnit.MILLISECONDS);
    }

    /**
     * Housekeeping ({@link TaskService#sweep}): FAILED tasks expire after {@code dfly.supernode.failed-task-ttl}
     * with their headers and CDN data, gone peers leave their swarms. Runs every quarter of the TTL (1-30 s).
     */
    private void startSweeps(SupernodeSettings s) {
        long every = Math.max(1000, Math.min(30_000, s.failedTaskTtl().toMillis() / 4));
        timers.scheduleWithFixedDelay(() -> {
            try {
                tasks.sweep(cdn);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "task sweep failed", SafeText.scrubbed(e));
            }
        }, every, every, TimeUnit.MILLISECONDS);
    }

    static DiskUsage diskUsage(Path dir) {
        try {
            FileStore fs = Files.getFileStore(dir);
            long total = fs.getTotalSpace();
            return new DiskUsage(total, total - fs.getUsableSpace());
        } catch (IOException e) {
            return new DiskUsage(0, 0);
        }
    }

    /** Leaves the cluster first, so fetches cut short here are taken over, not marked failed. */
    private synchronized void stop() {
        if (backToSource != null) {
            backToSource.shutdown();
        }
        // held requests answer now (a held pull with its last WAIT: the peer asks again elsewhere)
        signals.close();
        if (pullHolds != null) {
            pullHolds.shutdown();
            try {
                pullHolds.awaitTermination(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            pullHolds.shutdownNow();
        }
        if (timers != null) {
            timers.shutdownNow();
        }
        if (hazelcast != null) {
            try {
                hazelcast.shutdown();
            } catch (RuntimeException e) {
                LOG.log(Level.FINE, "hazelcast shutdown", SafeText.scrubbed(e));
            }
        }
        if (takeovers != null) {
            takeovers.shutdownNow();
        }
        if (workers != null) {
            workers.shutdownNow();
        }
        if (fetches != null) {
            fetches.shutdownNow();
        }
        if (publishers != null) {
            publishers.shutdownNow();
        }
    }

    /** Ready when the data dir is writable and the Hazelcast member is running. */
    public boolean isReady() {
        HazelcastInstance hz = hazelcast;
        SupernodeSettings s = settings;
        if (hz == null || s == null || tasks == null || !hz.getLifecycleService().isRunning()) {
            return false;
        }
        try {
            Path probe = Files.createTempFile(s.dataDir(), ".ready", ".tmp");
            Files.delete(probe);
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    public TaskService tasks() { return require(tasks); }
    public PreheatService preheats() { return require(preheats); }
    public DashboardService dashboard() { return require(dashboard); }
    public CdnStore cdn() { return require(cdn); }
    public SupernodeMetrics metrics() { return metrics; }
    public PeerAuthenticator peerAuth() { return require(peerAuth); }
    public OperatorAuthenticator operatorAuth() { return require(operatorAuth); }
    public PieceAccess pieceAccess() { return require(pieceAccess); }

    private static <T> T require(T t) {
        if (t == null) {
            throw new io.dfly.supernode.task.ApiException(503, "starting", "the supernode is starting");
        }
        return t;
    }

    /** A pool of at most {@code threads} daemon threads (idle ones end) with a queue of {@code queue}; full: rejects. */
    static ThreadPoolExecutor bounded(int threads, int queue, String name) {
        ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(queue), daemon(name));
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }
}
