package io.dfly.it.registry;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A containerd of the test's own: fresh root, state and socket in a temp dir (blobs left by earlier pulls
 * would make containerd skip the download), stopped by PID, files removed.
 */
public final class Containerd implements AutoCloseable {
    private final Path dir;
    private Process process;

    public Containerd(Path dir) {
        this.dir = dir;
    }

    public static boolean available() {
        return Procs.onPath("containerd") && Procs.onPath("ctr");
    }

    public Containerd start() throws Exception {
        Files.createDirectories(dir);
        Path conf = dir.resolve("containerd.toml");
        Files.writeString(conf, """
                version = 2
                root = "%s"
                state = "%s"
                disabled_plugins = ["io.containerd.grpc.v1.cri"]
                [grpc]
                  address = "%s"
                [ttrpc]
                  address = "%s"
                """.formatted(dir.resolve("root"), dir.resolve("state"), socket(), dir.resolve("containerd.sock.ttrpc")));
        process = Procs.start(List.of("containerd", "--config", conf.toString()), dir.resolve("containerd.log"), Map.of());
        Procs.awaitFile(socket(), process, dir.resolve("containerd.log"), 30);
        for (int i = 0; i < 100; i++) {
            if (ctr("version").exitCode() == 0) {
                return this;
            }
            Procs.sleep(100);
        }
        throw new IllegalStateException("containerd not answering: " + Procs.readQuietly(dir.resolve("containerd.log")));
    }

    public Path socket() {
        return dir.resolve("containerd.sock");
    }

    public Path dir() {
        return dir;
    }

    /** Runs {@code ctr --address <socket> args...}. */
    public Procs.Result ctr(String... args) {
        List<String> cmd = new ArrayList<>(List.of("ctr", "--address", socket().toString()));
        cmd.addAll(List.of(args));
        return Procs.run(cmd, Map.of(), null, 300);
    }

    /**
     * Writes {@code <hostsDir>/<registryHost>/hosts.toml} sending pulls and resolves to {@code mirrorUrl}
     * before the registry itself.
     */
    public static Path hostsDir(Path hostsDir, String registryHost, String mirrorUrl) throws Exception {
        Path d = hostsDir.resolve(registryHost);
        Files.createDirectories(d);
        Files.writeString(d.resolve("hosts.toml"), """
                server = "http://%s"
                [host."%s"]
                  capabilities = ["pull", "resolve"]
                """.formatted(registryHost, mirrorUrl));
        return hostsDir;
    }

    @Override
    public void close() {
        Procs.stop(process);
        // snapshots may be mounted (overlayfs) under root: unmount before removing
        Procs.run(List.of("sh", "-c", "grep -o ' " + dir + "[^ ]*' /proc/mounts | sort -r | xargs -r -n1 umount -l"),
                Map.of(), null, 60);
        Procs.deleteTree(dir);
    }
}
