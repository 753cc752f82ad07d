package io.dfly.it.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real supernode or dfdaemon: the WAR from {@code dist/target/dfly} on Payara Micro in its own JVM
 * process, on a free loopback port with a temp data dir. {@link #start()} waits until
 * {@code /health/ready} answers 200; {@link #stop()} kills the process by PID and removes its files.
 *
 * <pre>
 * try (DflyNode sn = DflyNode.supernode(Map.of()).start();
 *      DflyNode dd = DflyNode.dfdaemon(Map.of("dfly.dfdaemon.supernodes", sn.hostPort())).start()) { ... }
 * </pre>
 */
public final class DflyNode implements AutoCloseable {
    public enum Kind { SUPERNODE, DFDAEMON }

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(300); // a safety bound for loaded CI machines, not a speed check
    private final Kind kind;
    private final Map<String, String> props;
    private final int port;
    private final int uploadPort;
    private final Path workDir;
    private final Path dataDir;
    private final Path logFile;
    private final List<String> extraJvmArgs = new ArrayList<>();
    private Process process;

    private DflyNode(Kind kind, Map<String, String> props) {
        this.kind = kind;
        this.props = new LinkedHashMap<>(props);
        String prefix = kind == Kind.SUPERNODE ? "dfly.supernode." : "dfly.dfdaemon.";
        this.port = Integer.parseInt(this.props.computeIfAbsent(prefix + "port", k -> String.valueOf(FreePorts.pick())));
        try {
            this.workDir = Files.createTempDirectory("dfly-" + kind.name().toLowerCase() + "-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.dataDir = Path.of(this.props.computeIfAbsent(prefix + "data-dir", k -> workDir.resolve("data").toString()));
        this.props.putIfAbsent(prefix + "advertise-ip", "127.0.0.1");
        // every node of a test run is enrolled in one cluster (TestSecrets), as the README sets hosts up;
        // the tests' origins and registries run on loopback, which dfly refuses unless it is listed
        this.props.putIfAbsent("dfly.security.cluster-secret-file", TestSecrets.secretFile().toString());
        if (kind == Kind.SUPERNODE) {
            this.props.putIfAbsent("dfly.supernode.cluster.port", String.valueOf(FreePorts.pick()));
            this.props.putIfAbsent("dfly.supernode.api-token-file", TestSecrets.tokenFile().toString());
            this.props.putIfAbsent("dfly.supernode.allowed-origins", "127.0.0.1");
        } else {
            this.props.putIfAbsent("dfly.dfdaemon.upload-port", String.valueOf(FreePorts.pick()));
            this.props.putIfAbsent("dfly.dfdaemon.allowed-registries", "127.0.0.1");
        }
        this.props.entrySet().removeIf(e -> e.getValue() == null); // a test that wants a default passes null
        this.uploadPort = kind == Kind.DFDAEMON && this.props.containsKey("dfly.dfdaemon.upload-port")
                ? Integer.parseInt(this.props.get("dfly.dfdaemon.upload-port")) : -1;
        this.logFile = workDir.resolve(kind.name().toLowerCase() + ".log");
    }

    /** A supernode; unset properties get a free port, a temp data dir, advertise-ip 127.0.0.1 and a free cluster port. */
    public static DflyNode supernode(Map<String, String> props) {
        return new DflyNode(Kind.SUPERNODE, props);
    }

    /** A dfdaemon; unset properties get a free port, a temp data dir and advertise-ip 127.0.0.1. */
    public static DflyNode dfdaemon(Map<String, String> props) {
        return new DflyNode(Kind.DFDAEMON, props);
    }

    /** Extra JVM options, e.g. {@code -Xmx256m}. Call before {@link #start()}. */
    public DflyNode jvmArg(String arg) {
        extraJvmArgs.add(arg);
        return this;
    }

    public static Path distDir() {
        String root = System.getProperty("dfly.project.root");
        Path base = root != null ? Path.of(root) : Path.of("..").toAbsolutePath().normalize();
        return base.resolve("dist/target/dfly");
    }

    public DflyNode start() {
        Path dist = distDir();
        Path war = dist.resolve(kind == Kind.SUPERNODE ? "supernode.war" : "dfdaemon.war");
        Path micro = dist.resolve("payara-micro.jar");
        if (!Files.exists(war) || !Files.exists(micro)) {
            throw new IllegalStateException("missing " + war + " or " + micro + ": run mvn install first");
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx768m");
        cmd.addAll(extraJvmArgs);
        props.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
        // --nohazelcast, not --nocluster: with --nocluster Payara Micro still runs its own Hazelcast on *:6900,
        // open to any client (the supernode runs its own, guarded member)
        cmd.addAll(List.of("-jar", micro.toString(), "--nohazelcast", "--port", String.valueOf(port),
                "--rootdir", workDir.resolve("payara").toString()));
        if (kind == Kind.DFDAEMON) {
            // the mirror and dfget API listen on dfly.dfdaemon.listen-address only, as bin/dfdaemon sets it up
            cmd.addAll(List.of("--prebootcommandfile", prebootCommands().toString()));
        }
        cmd.addAll(List.of("--deploy", war.toString(), "--contextroot", "/"));
        // appended: a restarted node keeps the log of its earlier life
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        waitReady();
        return this;
    }

    /** Payara Micro's pre-boot commands binding its HTTP listener to the dfdaemon's listen address. */
    private Path prebootCommands() {
        String listen = props.getOrDefault("dfly.dfdaemon.listen-address", "127.0.0.1");
        Path f = workDir.resolve("preboot.asadmin");
        try {
            Files.writeString(f, "set configs.config.server-config.network-config.network-listeners.network-listener"
                    + ".http-listener.address=" + listen + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return f;
    }

    private void waitReady() {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            String failure = deploymentFailure();
            if (failure != null) {
                String tail = tail(60);
                stop();
                throw new IllegalStateException(kind + " failed to start: " + failure + "\nlog " + logFile + ":\n" + tail);
            }
            if (!process.isAlive()) {
                throw new IllegalStateException(kind + " exited with " + process.exitValue() + " before it was ready; log "
                        + logFile + ":\n" + tail(60));
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(baseUrl() + "/health/ready"))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException ignored) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            sleep(500);
        }
        String tail = tail(60);
        stop();
        throw new IllegalStateException(kind + " not ready within " + READY_TIMEOUT + "; log tail:\n" + tail);
    }

    /** The dfly startup error or Payara deployment failure in the log so far, or null. */
    private String deploymentFailure() {
        try {
            if (!Files.exists(logFile)) {
                return null;
            }
            for (String line : Files.readAllLines(logFile)) {
                if (line.contains("cannot start:") || line.contains("Exception during lifecycle processing")
                        || line.contains("Deployment failed")) {
                    return line;
                }
            }
        } catch (IOException | java.io.UncheckedIOException ignored) {
            // log being written; look again next round
        }
        return null;
    }

    /** Last lines of the log, for failure messages. */
    public String tail(int lines) {
        try {
            List<String> all = Files.readAllLines(logFile);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** Whole log text (to assert a line was, or was not, logged). */
    public String log() {
        try {
            return Files.readString(logFile);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int port() {
        return port;
    }

    /** The address the node's HTTP port answers on: a dfdaemon's listen-address, else 127.0.0.1. */
    public String host() {
        String listen = props.get("dfly.dfdaemon.listen-address");
        return kind == Kind.DFDAEMON && listen != null && !listen.equals("0.0.0.0") && !listen.equals("::") ? listen : "127.0.0.1";
    }

    public String hostPort() {
        return host() + ":" + port;
    }

    public String baseUrl() {
        return "http://" + host() + ":" + port;
    }

    /** A dfdaemon's peer upload port ({@code dfly.dfdaemon.upload-port}), or -1. */
    public int uploadPort() {
        return uploadPort;
    }

    /** Base URL of a dfdaemon's peer upload server. */
    public String uploadUrl() {
        return "http://127.0.0.1:" + uploadPort;
    }

    /** A setting this node was started with. */
    public String property(String key) {
        return props.get(key);
    }

    public Path dataDir() {
        return dataDir;
    }

    public Path logFile() {
        return logFile;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** Stops the process and starts it again on the same ports and data dir (its files are kept). */
    public DflyNode restart() {
        stop();
        return start();
    }

    /** SIGKILL, then a start on the same ports and data dir: a crash and a supervisor bringing it back. */
    public DflyNode crashAndRestart() {
        kill();
        deleteTree(workDir.resolve("payara"));
        return start();
    }

    /** Lines of the log so far that contain {@code text}. */
    public long logLines(String text) {
        return log().lines().filter(l -> l.contains(text)).count();
    }

    /** The node's {@code /metrics} (MicroProfile Metrics) as series → value: {@link Http#parseMetrics}. */
    public Map<String, Double> metrics() {
        try {
            return Http.metrics(baseUrl());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** One metric (the sum of its series, whatever their labels), or 0 when the node does not export it. */
    public double metric(String name) {
        return metrics().getOrDefault(name, 0.0);
    }

    /** A field of {@code /proc/<pid>/status} (e.g. {@code Threads}, {@code VmRSS}, {@code VmHWM}), as a number (kB for sizes). */
    public long procStatus(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid() + "/status"))) {
                if (line.startsWith(field + ":")) {
                    return Long.parseLong(line.substring(field.length() + 1).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new IllegalStateException("no " + field + " in /proc/" + pid() + "/status");
    }

    /** Live threads of the process. */
    public long threads() {
        return procStatus("Threads");
    }

    /** Heap in use (bytes) right after a full GC the node is asked to run ({@code jcmd GC.run}, {@code GC.heap_info}). */
    public long heapUsedAfterGc() {
        jcmd("GC.run");
        return heapUsed();
    }

    /** Heap in use (bytes) now, garbage included ({@code jcmd GC.heap_info}). */
    public long heapUsed() {
        String info = jcmd("GC.heap_info");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("total \\d+K, used (\\d+)K").matcher(info);
        if (!m.find()) {
            throw new IllegalStateException("cannot read the heap from jcmd GC.heap_info:\n" + info);
        }
        return Long.parseLong(m.group(1)) * 1024;
    }

    /** Live threads by name, digits folded ({@code http-thread-pool::http-listener(#)} → count), most first. */
    public Map<String, Long> threadGroups() {
        Map<String, Long> groups = new java.util.TreeMap<>();
        for (String line : jcmd("Thread.print").split("\n")) {
            if (line.startsWith("\"")) {
                String name = line.substring(1, Math.max(1, line.indexOf('"', 1))).replaceAll("[0-9]+", "#");
                groups.merge(name, 1L, Long::sum);
            }
        }
        Map<String, Long> sorted = new LinkedHashMap<>();
        groups.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .forEach(e -> sorted.put(e.getKey(), e.getValue()));
        return sorted;
    }

    private String jcmd(String command) {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        try {
            Process p = new ProcessBuilder(jcmd.toString(), String.valueOf(pid()), command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("jcmd " + command + " failed: " + out);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Kills the process (SIGKILL) without cleanup, as a crash would. */
    public void kill() {
        if (process != null) {
            process.destroyForcibly();
            waitFor();
        }
    }

    /** Stops the process by PID (SIGTERM, then SIGKILL) and deletes its temp files. */
    public void stop() {
        if (process != null && process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(20, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            waitFor();
        }
        deleteTree(workDir.resolve("payara"));
    }

    /** Stops the process and deletes its whole temp dir (data, logs): a test leaves nothing behind. */
    @Override
    public void close() {
        stop();
        deleteTree(workDir);
    }

    private void waitFor() {
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort
        }
    }
}
