import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Counts the supernode requests of one dfget through one dfdaemon (issue 12: control traffic per piece).
 * Starts a loopback origin, a supernode and a dfdaemon from a built dist, and puts a counting TCP relay between
 * the dfdaemon and the supernode's API (pieces are fetched from the supernode's advertised port, not through it);
 * then runs {@code dfget -u <url> -o <file>} through the dfdaemon and prints the requests by kind, per piece.
 *
 * <pre>java bench/tools/SupernodeCalls.java &lt;dist dir&gt; [MiB=64] [runs=1] [origin MB/s, 0 = unpaced]</pre>
 *
 * Each run downloads a new file (a cold supernode task: back-to-source while the dfdaemon fetches). Needs free
 * loopback ports; leaves nothing running (every process is stopped by its handle) and deletes its temp dir.
 */
public class SupernodeCalls {
    private static final Pattern REQUEST_LINE = Pattern.compile("(GET|POST|DELETE|PUT) (/[^ ]*) HTTP/1\\.1\r\n");
    private static final Map<String, AtomicLong> CALLS = new ConcurrentHashMap<>();

    public static void main(String[] args) throws Exception {
        Path dist = Path.of(args[0]).toAbsolutePath();
        int mib = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        int runs = args.length > 2 ? Integer.parseInt(args[2]) : 1;
        double originMBps = args.length > 3 ? Double.parseDouble(args[3]) : 0;
        Path work = Files.createTempDirectory("dfly-calls-");
        Path secret = work.resolve("cluster.secret");
        Path token = work.resolve("api.token");
        Files.writeString(secret, HexFormat.of().formatHex(new SecureRandom().generateSeed(32)) + "\n");
        Files.writeString(token, HexFormat.of().formatHex(new SecureRandom().generateSeed(32)) + "\n");
        secret.toFile().setReadable(false, false);
        secret.toFile().setReadable(true, true);
        token.toFile().setReadable(false, false);
        token.toFile().setReadable(true, true);

        System.setProperty("sun.net.httpserver.nodelay", "true");
        HttpServer origin = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        byte[] blob = new byte[mib << 20];
        new Random(7).nextBytes(blob);
        origin.createContext("/", ex -> {
            ex.sendResponseHeaders(200, blob.length);
            try (OutputStream out = ex.getResponseBody()) {
                long t0 = System.nanoTime();
                for (int off = 0; off < blob.length; off += 64 * 1024) {
                    out.write(blob, off, Math.min(64 * 1024, blob.length - off));
                    if (originMBps > 0) {
                        long due = t0 + (long) ((off + 64 * 1024) / (originMBps * 1e6) * 1e9);
                        long wait = due - System.nanoTime();
                        if (wait > 0) {
                            try {
                                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                                return;
                            }
                        }
                    }
                }
            }
        });
        origin.start();

        int snPort = freePort();
        int relayPort = freePort();
        List<Process> procs = new ArrayList<>();
        try (ServerSocket relay = new ServerSocket(relayPort, 50, InetAddress.getLoopbackAddress())) {
            daemon(() -> relayLoop(relay, snPort));
            procs.add(node(dist, work, "supernode", snPort, Map.of(
                    "dfly.supernode.port", String.valueOf(snPort),
                    "dfly.supernode.advertise-ip", "127.0.0.1",
                    "dfly.supernode.cluster.port", String.valueOf(freePort()),
                    "dfly.supernode.api-token-file", token.toString(),
                    "dfly.supernode.allowed-origins", "127.0.0.1",
                    "dfly.supernode.data-dir", work.resolve("sn-data").toString(),
                    "dfly.security.cluster-secret-file", secret.toString())));
            int dfdPort = freePort();
            procs.add(node(dist, work, "dfdaemon", dfdPort, Map.of(
                    "dfly.dfdaemon.port", String.valueOf(dfdPort),
                    "dfly.dfdaemon.upload-port", String.valueOf(freePort()),
                    "dfly.dfdaemon.advertise-ip", "127.0.0.1",
                    "dfly.dfdaemon.supernodes", "127.0.0.1:" + relayPort,
                    "dfly.dfdaemon.allowed-registries", "127.0.0.1",
                    "dfly.dfdaemon.data-dir", work.resolve("dfd-data").toString(),
                    "dfly.security.cluster-secret-file", secret.toString())));
            int pieces = (mib + 3) / 4;
            System.out.println("| run | MiB | pieces | register | pull | reports | other | per piece (pull + reports) | dfget s |");
            System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
            for (int run = 1; run <= runs; run++) {
                CALLS.clear();
                String url = "http://127.0.0.1:" + origin.getAddress().getPort() + "/file-" + run + "-" + System.nanoTime() + ".bin";
                Path out = work.resolve("out-" + run);
                long t0 = System.nanoTime();
                Process dfget = new ProcessBuilder(java(), "-jar", dist.resolve("dfget.jar").toString(), "--dfdaemon",
                        "127.0.0.1:" + dfdPort, "--cluster-secret-file", secret.toString(), "-u", url, "-o", out.toString())
                        .redirectErrorStream(true).redirectOutput(work.resolve("dfget-" + run + ".log").toFile()).start();
                if (!dfget.waitFor(5, TimeUnit.MINUTES) || dfget.exitValue() != 0) {
                    throw new IllegalStateException("dfget failed: " + Files.readString(work.resolve("dfget-" + run + ".log")));
                }
                double secs = (System.nanoTime() - t0) / 1e9;
                if (Files.size(out) != blob.length) {
                    throw new IllegalStateException("wrong length");
                }
                Map<String, Long> by = new TreeMap<>();
                CALLS.forEach((k, v) -> by.put(k, v.get()));
                long register = by.getOrDefault("register", 0L);
                long pull = by.getOrDefault("pull", 0L);
                long reports = by.getOrDefault("reports", 0L);
                long other = by.values().stream().mapToLong(Long::longValue).sum() - register - pull - reports;
                System.out.printf("| %d | %d | %d | %d | %d | %d | %d | %.2f | %.1f |%n", run, mib, pieces, register, pull, reports,
                        other, (pull + reports) / (double) pieces, secs);
            }
            System.out.println("origin: " + (originMBps > 0 ? originMBps + " MB/s" : "unpaced"));
            System.out.println("load average: " + Files.readString(Path.of("/proc/loadavg")).trim());
        } finally {
            for (Process p : procs) {
                p.destroy();
            }
            for (Process p : procs) {
                if (!p.waitFor(30, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            }
            origin.stop(0);
            try (var files = Files.walk(work)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    private static void daemon(Runnable r) {
        Thread t = new Thread(r);
        t.setDaemon(true);
        t.start();
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static Process node(Path dist, Path work, String kind, int port, Map<String, String> props) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(java(), "-Xmx768m"));
        props.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
        cmd.addAll(List.of("-jar", dist.resolve("payara-micro.jar").toString(), "--nohazelcast", "--port", String.valueOf(port),
                "--rootdir", work.resolve(kind + "-payara").toString()));
        if (kind.equals("dfdaemon")) {
            Path preboot = work.resolve("preboot.asadmin");
            Files.writeString(preboot, "set configs.config.server-config.network-config.network-listeners.network-listener"
                    + ".http-listener.address=127.0.0.1\n");
            cmd.addAll(List.of("--prebootcommandfile", preboot.toString()));
        }
        cmd.addAll(List.of("--deploy", dist.resolve(kind + ".war").toString(), "--contextroot", "/"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(work.resolve(kind + ".log").toFile()).start();
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IllegalStateException(kind + " exited; see " + work.resolve(kind + ".log"));
            }
            try {
                if (http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/ready"))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return p;
                }
            } catch (IOException ignored) {
                // not yet
            }
            Thread.sleep(500);
        }
        p.destroyForcibly();
        throw new IllegalStateException(kind + " not ready");
    }

    private static void relayLoop(ServerSocket relay, int target) {
        while (!relay.isClosed()) {
            try {
                Socket in = relay.accept();
                Socket out = new Socket(InetAddress.getLoopbackAddress(), target);
                in.setTcpNoDelay(true);
                out.setTcpNoDelay(true);
                daemon(() -> pump(in, out, true));
                daemon(() -> pump(out, in, false));
            } catch (IOException e) {
                return;
            }
        }
    }

    /** Copies one direction; the client's direction is scanned for request lines (bodies are small JSON). */
    private static void pump(Socket from, Socket to, boolean count) {
        StringBuilder window = new StringBuilder();
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            byte[] buf = new byte[64 * 1024];
            for (int n; (n = in.read(buf)) >= 0; ) {
                out.write(buf, 0, n);
                out.flush();
                if (count) {
                    window.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
                    Matcher m = REQUEST_LINE.matcher(window);
                    int end = 0;
                    while (m.find()) {
                        CALLS.computeIfAbsent(kind(m.group(1), m.group(2)), k -> new AtomicLong()).incrementAndGet();
                        end = m.end();
                    }
                    window.delete(0, Math.max(end, window.length() - 200));
                }
            }
        } catch (IOException ignored) {
            // a side closed
        } finally {
            try {
                from.close();
                to.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }

    private static String kind(String method, String path) {
        if (method.equals("POST") && path.equals("/api/v1/tasks")) {
            return "register";
        }
        if (path.endsWith("/pull")) {
            return "pull";
        }
        if (path.endsWith("/reports")) {
            return "reports";
        }
        if (path.endsWith("/heartbeat")) {
            return "heartbeat";
        }
        return method + " " + path.replaceAll("[0-9a-f]{64}", "{id}");
    }
}
