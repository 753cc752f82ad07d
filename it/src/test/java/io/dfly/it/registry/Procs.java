package io.dfly.it.registry;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Running the real tools (docker-registry, skopeo, ctr, containerd, openssl, htpasswd) from tests. */
public final class Procs {
    private Procs() {
    }

    /** Result of a finished command. */
    public record Result(int exitCode, String output) {
        public Result ok(String what) {
            if (exitCode != 0) {
                throw new AssertionError(what + " failed with exit code " + exitCode + ":\n" + output);
            }
            return this;
        }
    }

    /** Runs a command to completion (stdout+stderr merged), at most {@code timeoutSeconds}. */
    public static Result run(List<String> cmd, Map<String, String> env, Path dir, long timeoutSeconds) {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(env);
        if (dir != null) {
            pb.directory(dir.toFile());
        }
        try {
            Path out = Files.createTempFile("dfly-cmd-", ".out");
            pb.redirectOutput(out.toFile());
            Process p = pb.start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
                String text = Files.readString(out, StandardCharsets.UTF_8);
                Files.deleteIfExists(out);
                throw new AssertionError("timed out after " + timeoutSeconds + " s: " + String.join(" ", cmd) + "\n" + text);
            }
            String text = Files.readString(out, StandardCharsets.UTF_8);
            Files.deleteIfExists(out);
            return new Result(p.exitValue(), text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static Result run(String... cmd) {
        return run(List.of(cmd), Map.of(), null, 300);
    }

    /** Starts a long-running process with output to {@code log}. */
    public static Process start(List<String> cmd, Path log, Map<String, String> env) {
        ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(cmd)).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        try {
            return pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stops a process by its PID: SIGTERM, then SIGKILL after 15 s. */
    public static void stop(Process p) {
        if (p == null || !p.isAlive()) {
            return;
        }
        p.destroy();
        try {
            if (!p.waitFor(15, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits until something accepts TCP connections on 127.0.0.1:port, or the process dies. */
    public static void awaitPort(int port, Process p, Path log, long timeoutSeconds) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IllegalStateException("process exited early (" + p.exitValue() + "): " + readQuietly(log));
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 500);
                return;
            } catch (IOException e) {
                sleep(100);
            }
        }
        throw new IllegalStateException("nothing listening on port " + port + " after " + timeoutSeconds + " s: " + readQuietly(log));
    }

    /** Waits until a file exists (e.g. a unix socket). */
    public static void awaitFile(Path file, Process p, Path log, long timeoutSeconds) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        while (System.nanoTime() < deadline) {
            if (Files.exists(file)) {
                return;
            }
            if (!p.isAlive()) {
                throw new IllegalStateException("process exited early (" + p.exitValue() + "): " + readQuietly(log));
            }
            sleep(100);
        }
        throw new IllegalStateException(file + " did not appear after " + timeoutSeconds + " s: " + readQuietly(log));
    }

    public static String readQuietly(Path f) {
        try {
            return Files.readString(f, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log " + f + ")";
        }
    }

    public static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return Files.isExecutable(Path.of("/usr/sbin", tool));
    }

    /**
     * Closes each of {@code resources} that is not null, in order (a test's servers in its tear-down),
     * all of them even if one fails; the first failure is rethrown at the end.
     */
    public static void closeAll(AutoCloseable... resources) {
        RuntimeException first = null;
        for (AutoCloseable r : resources) {
            if (r == null) {
                continue;
            }
            try {
                r.close();
            } catch (Exception e) {
                if (first == null) {
                    first = e instanceof RuntimeException re ? re : new IllegalStateException("closing " + r + " failed", e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    public static void deleteTree(Path root) {
        if (root == null || !Files.exists(root)) {
            return;
        }
        run(List.of("rm", "-rf", root.toString()), Map.of(), null, 120);
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
