package io.dfly.it.faults;

import com.fasterxml.jackson.databind.JsonNode;
import io.dfly.core.task.TaskIds;
import io.dfly.it.harness.DflyNode;
import io.dfly.it.harness.FreePorts;
import io.dfly.it.harness.Http;
import io.dfly.it.harness.OriginServer;
import io.dfly.it.harness.PeerApi;
import io.dfly.it.harness.TestSecrets;
import io.dfly.it.harness.Tmpfs;
import io.dfly.it.registry.OciImage;
import io.dfly.it.registry.Procs;
import io.dfly.it.registry.RegistryServer;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The processes the fault cases run on, started on first use and kept for every run of every case
 * (a JVM start costs more than a small download): an HTTP origin with fault modes, optionally a real
 * registry, supernodes and dfdaemons in roles ({@link Role}). Each run uses a new blob, so runs and cases
 * never share a task. {@link #close()} stops everything and unmounts the tmpfs.
 */
final class FaultBed implements AutoCloseable {
    /** The processes, by what the cases use them for. */
    enum Role {
        /** the supernode (a cluster of one) */
        SN,
        /** downloaders registered with SN, each rate-limited to {@link Settings#downloadRate} */
        D1, D2,
        /** a dfdaemon that downloads first and is SIGKILLed mid-upload (case 1) */
        VICTIM,
        /** a cluster of two supernodes (case 5), and a dfdaemon that knows both */
        C1, C2, DC,
        /** a dfdaemon whose data dir is a small tmpfs (case 8) */
        D8,
        /** a dfdaemon whose only supernode is a port nobody listens on (cases 7f, 9), rate-limited like D1 */
        D9
    }

    /** What a bed is made of. */
    record Settings(long blobBytes, String downloadRate, String clusterOriginRate, Duration failedTaskTtl,
                    Duration safetyTimeout, boolean useRegistry, int tmpfsMiB) {
    }

    /** One blob of one run: where it is, its digest, its bytes, and who serves it. */
    record Blob(String url, String digest, Path file, long size, boolean fromRegistry, String path) {
        String taskId() {
            return TaskIds.derive(url, digest, null, TaskIds.DEFAULT_VOLATILE_PARAMS);
        }
    }

    final Settings settings;
    final Path work;
    final OriginServer origin;
    private RegistryServer registry;
    private final Map<Role, CompletableFuture<DflyNode>> nodes = new ConcurrentHashMap<>();
    private final List<DflyNode> created = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final AtomicInteger seq = new AtomicInteger();
    private final int deadPort = FreePorts.pick();
    private final int clusterPortA = FreePorts.pick();
    private final int clusterPortB = FreePorts.pick();
    private Tmpfs tmpfs;

    FaultBed(Settings settings) throws IOException {
        this.settings = settings;
        this.work = Files.createTempDirectory("dfly-faults-");
        this.origin = new OriginServer();
    }

    // ---------------------------------------------------------------- processes

    /** The node in {@code role}, started (with the nodes it depends on) when not running. */
    DflyNode node(Role role) {
        CompletableFuture<DflyNode> f = nodes.get(role);
        if (f == null) {
            CompletableFuture<DflyNode> mine = new CompletableFuture<>();
            f = nodes.putIfAbsent(role, mine);
            if (f == null) {
                f = mine;
                try {
                    DflyNode n = create(role);
                    created.add(n);
                    try {
                        n.start();
                    } catch (IllegalStateException first) {
                        // e.g. a port picked as free was taken meanwhile by a process outside this JVM: once more,
                        // on new ports
                        System.err.println("[faults] " + role + " did not start, trying once more: "
                                + first.getMessage().lines().findFirst().orElse(""));
                        n = create(role);
                        created.add(n);
                        n.start();
                    }
                    mine.complete(n);
                } catch (RuntimeException | Error e) {
                    nodes.remove(role, mine);
                    mine.completeExceptionally(e);
                    throw e;
                }
            }
        }
        DflyNode n = f.join();
        synchronized (n) {
            if (!n.isAlive()) {
                n.start(); // a case killed it: it comes back on the same ports and data dir
            }
        }
        return n;
    }

    /** Starts several roles at once (JVM starts in parallel: the machine has idle cores while one boots). */
    void start(Role... roles) {
        List<CompletableFuture<DflyNode>> f = new ArrayList<>();
        for (Role r : roles) {
            f.add(CompletableFuture.supplyAsync(() -> node(r)));
        }
        f.forEach(CompletableFuture::join);
    }

    boolean running(Role role) {
        CompletableFuture<DflyNode> f = nodes.get(role);
        return f != null && f.isDone() && !f.isCompletedExceptionally() && f.join().isAlive();
    }

    private DflyNode create(Role role) {
        Map<String, String> p = new LinkedHashMap<>();
        switch (role) {
            case SN -> {
                p.put("dfly.supernode.failed-task-ttl", settings.failedTaskTtl().toSeconds() + "s");
                p.put("dfly.supernode.gc.interval", "1s");
                return DflyNode.supernode(p);
            }
            case D1, D2 -> {
                p.put("dfly.dfdaemon.supernodes", node(Role.SN).hostPort());
                p.put("dfly.dfdaemon.ratelimit", settings.downloadRate());
                return DflyNode.dfdaemon(p);
            }
            case VICTIM -> {
                p.put("dfly.dfdaemon.supernodes", node(Role.SN).hostPort());
                return DflyNode.dfdaemon(p);
            }
            case C1, C2 -> {
                boolean a = role == Role.C1;
                if (!a) {
                    node(Role.C1); // B joins A
                }
                p.put("dfly.supernode.cluster.name", "faults-pair");
                p.put("dfly.supernode.cluster.port", String.valueOf(a ? clusterPortA : clusterPortB));
                p.put("dfly.supernode.cluster.members", "127.0.0.1:" + (a ? clusterPortB : clusterPortA));
                p.put("dfly.supernode.origin-ratelimit", settings.clusterOriginRate());
                p.put("dfly.supernode.failed-task-ttl", settings.failedTaskTtl().toSeconds() + "s");
                return DflyNode.supernode(p);
            }
            case DC -> {
                p.put("dfly.dfdaemon.supernodes", node(Role.C1).hostPort() + "," + node(Role.C2).hostPort());
                p.put("dfly.dfdaemon.ratelimit", settings.downloadRate());
                return DflyNode.dfdaemon(p);
            }
            case D8 -> {
                tmpfs = Tmpfs.mount(work.resolve("tmpfs-data"), settings.tmpfsMiB());
                p.put("dfly.dfdaemon.supernodes", node(Role.SN).hostPort());
                p.put("dfly.dfdaemon.data-dir", tmpfs.dir().toString());
                return DflyNode.dfdaemon(p);
            }
            case D9 -> {
                p.put("dfly.dfdaemon.supernodes", "127.0.0.1:" + deadPort);
                p.put("dfly.dfdaemon.ratelimit", settings.downloadRate()); // its time compares with D1's
                return DflyNode.dfdaemon(p);
            }
            default -> throw new IllegalArgumentException(role.name());
        }
    }

    /** The port case 9's dfdaemon is told its supernode is on (nothing listens there). */
    int deadPort() {
        return deadPort;
    }

    // ---------------------------------------------------------------- blobs

    /** A new random blob of the bed's size: from the registry when the bed has one, else from the HTTP origin. */
    Blob blob(String name) throws Exception {
        return settings.useRegistry() ? registryBlob(name, settings.blobBytes()) : httpBlob(name, settings.blobBytes());
    }

    /** A new random blob on the HTTP origin at {@code /<name>-<n>/blob.bin} (a fresh prefix for fault modes). */
    Blob httpBlob(String name, long size) throws IOException {
        String prefix = "/" + name + "-" + seq.incrementAndGet() + "/";
        String path = prefix + "blob.bin";
        String url = origin.serveRandom(path, work, size);
        Path file = work.resolve(path.replace('/', '_'));
        return new Blob(url, Dfget.sha256(file), file, size, false, path);
    }

    /** The path prefix of an HTTP blob (what {@link OriginServer#faults} takes). */
    static String prefix(Blob b) {
        return b.path().substring(0, b.path().lastIndexOf('/') + 1);
    }

    private synchronized RegistryServer registry() throws Exception {
        if (registry == null) {
            registry = new RegistryServer(RegistryServer.Auth.NONE, work.resolve("registry")).start();
        }
        return registry;
    }

    /** A new image in the registry; the blob is its big random layer ({@code size} bytes of random data, gzip). */
    private Blob registryBlob(String name, long size) throws Exception {
        String repo = "faults/" + name + "-" + seq.incrementAndGet();
        Path dir = work.resolve(repo.replace('/', '_'));
        OciImage image = OciImage.build(dir, "v1", (int) Math.max(1, size >> 20));
        registry().push(image, repo + ":v1");
        OciImage.Blob big = image.bigLayer();
        // keep the layer, drop the rest of the layout (the registry has its own copy)
        Path file = work.resolve(repo.replace('/', '_') + ".layer");
        Files.move(image.blobFile(big), file);
        Procs.deleteTree(dir);
        String path = "/v2/" + repo + "/blobs/" + big.digest();
        return new Blob(registry.url() + path, big.digest(), file, big.size(), true, path);
    }

    /** Body bytes the origin (HTTP origin or registry) sent for this blob so far. */
    long originBytes(Blob b) {
        return b.fromRegistry() ? registry.bytesSent(b.path()) : origin.bytesSent(b.path());
    }

    /** The registry's log lines that mention this blob (diagnostics when it answered an error), or "". */
    String registryLog(Blob b) {
        if (!b.fromRegistry()) {
            return "";
        }
        String digest = b.path().substring(b.path().lastIndexOf('/') + 1);
        return Procs.readQuietly(registry.log()).lines().filter(l -> l.contains(digest) || l.contains(b.path()))
                .limit(12).collect(java.util.stream.Collectors.joining(" // "));
    }

    /** The origin's requests for this blob: method, Range or status, bytes (for notes). */
    List<String> originRequests(Blob b) {
        if (b.fromRegistry()) {
            return registry.requestsSent(b.path());
        }
        return origin.requests().stream().filter(q -> q.path().equals(b.path()))
                .map(q -> q.method() + (q.range() == null ? "" : " " + q.range())).toList();
    }

    /** Deletes a run's blob file (a bench run makes one per run). */
    void discard(Blob b) {
        try {
            Files.deleteIfExists(b.file());
        } catch (IOException ignored) {
            // the bed's temp dir goes at close
        }
    }

    // ---------------------------------------------------------------- supernode views

    /** The status of a task on a supernode (operator API), or "absent". */
    static String taskStatus(DflyNode supernode, String taskId) {
        try {
            HttpResponse<String> r = Http.send("GET", supernode.baseUrl() + "/api/v1/tasks/" + taskId, null,
                    TestSecrets.operatorAuthorization());
            if (r.statusCode() != 200) {
                return "absent";
            }
            JsonNode n = PeerApi.JSON.readTree(r.body());
            return n.path("status").asText("absent");
        } catch (Exception e) {
            return "unreachable";
        }
    }

    /** Waits until {@code condition} holds, at most {@code timeout}; returns whether it did. */
    static boolean await(Supplier<Boolean> condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.get()) {
                return true;
            }
            Thread.sleep(50);
        }
        return condition.get();
    }

    @Override
    public void close() {
        List<AutoCloseable> all = new ArrayList<>(created);
        all.add(origin);
        if (registry != null) {
            all.add(registry);
        }
        try {
            Procs.closeAll(all.toArray(new AutoCloseable[0]));
        } finally {
            if (tmpfs != null) {
                tmpfs.close();
            }
            Procs.deleteTree(work);
        }
    }
}
