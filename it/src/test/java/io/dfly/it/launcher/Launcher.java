package io.dfly.it.launcher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs a script from {@code bin/} as a user would, capturing its output in a file. */
final class Launcher {
    static final Path ROOT = Path.of(System.getProperty("dfly.project.root", "..")).toAbsolutePath().normalize();

    final Process process;
    final Path output;

    private Launcher(Process process, Path output) {
        this.process = process;
        this.output = output;
    }

    static Launcher start(Path workDir, Map<String, String> env, String script, String... args) throws IOException {
        return start(ROOT, workDir, env, script, args);
    }

    /** Runs {@code root/bin/script} (a checkout, or an unpacked release), from {@code root}. */
    static Launcher start(Path root, Path workDir, Map<String, String> env, String script, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(root.resolve("bin").resolve(script).toString());
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(workDir, script + "-", ".out");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(root.toFile()).redirectErrorStream(true)
                .redirectOutput(out.toFile());
        // the test run's cluster secret and operator token, so a launcher never creates files under ~/.dfly
        // (a flag, e.g. quickstart's, still wins: MicroProfile Config ranks system properties over the environment)
        pb.environment().put("DFLY_SECURITY_CLUSTER_SECRET_FILE", io.dfly.it.harness.TestSecrets.secretFile().toString());
        pb.environment().put("DFLY_SUPERNODE_API_TOKEN_FILE", io.dfly.it.harness.TestSecrets.tokenFile().toString());
        pb.environment().putAll(env);
        return new Launcher(pb.start(), out);
    }

    /** Runs to completion (bounded) and returns the exit code. */
    int await(Duration limit) throws InterruptedException {
        if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
            stop();
            throw new AssertionError("did not finish within " + limit + ":\n" + output());
        }
        return process.exitValue();
    }

    String output() {
        try {
            return Files.readString(output);
        } catch (IOException e) {
            return "(no output: " + e + ")";
        }
    }

    /** Kills the script and everything it started. */
    void stop() {
        List<ProcessHandle> all = new ArrayList<>(process.descendants().toList());
        all.add(process.toHandle());
        all.forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        for (ProcessHandle h : all) {
            while (h.isAlive() && System.nanoTime() < deadline) {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            h.destroyForcibly();
        }
    }
}
