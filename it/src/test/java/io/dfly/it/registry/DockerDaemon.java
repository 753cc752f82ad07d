package io.dfly.it.registry;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The Docker daemon (dockerd 20.10) of a test. It runs only inside its own network namespace entered with
 * {@code nsenter --net=/run/netns/NAME} ({@code ip netns exec} hides the cgroup mounts), on the test's own
 * containerd, with {@code bridge: none} and no iptables. A veth pair (198.19.N.1 on the host, 198.19.N.2
 * inside; benchmark range) lets it reach services on the host side. Everything is removed on close.
 */
public final class DockerDaemon implements AutoCloseable {
    private final Path dir;
    private final String netns;
    private final int subnet;
    private final Containerd containerd;
    private Process process;
    private boolean netnsCreated;

    public DockerDaemon(Path dir) {
        this.dir = dir;
        this.subnet = ThreadLocalRandom.current().nextInt(1, 250);
        this.netns = "dfly-dk-" + subnet + "-" + ProcessHandle.current().pid();
        this.containerd = new Containerd(dir.resolve("containerd"));
    }

    /** Null when dockerd can run here, else the reason it cannot. */
    public static String unavailableReason() {
        for (String tool : new String[]{"dockerd", "containerd", "nsenter", "ip"}) {
            if (!Procs.onPath(tool)) {
                return tool + " is not installed";
            }
        }
        if (!Files.isExecutable(Path.of("/usr/bin/docker"))) {
            return "/usr/bin/docker is not installed";
        }
        return null;
    }

    /** The host-side address services must listen on (or on 0.0.0.0) to be reachable by dockerd. */
    public String hostAddress() {
        return "198.19." + subnet + ".1";
    }

    /**
     * Starts containerd, the netns and dockerd; insecure registries are host:port strings, registry mirrors
     * URLs (used by dockerd for Docker Hub images only).
     */
    public DockerDaemon start(List<String> insecureRegistries, List<String> registryMirrors) throws Exception {
        Files.createDirectories(dir);
        containerd.start();
        String hostIf = "dkh" + subnet + "p" + (ProcessHandle.current().pid() % 10000);
        String nsIf = "dkn" + subnet + "p" + (ProcessHandle.current().pid() % 10000);
        sh("ip netns add " + netns);
        netnsCreated = true;
        sh("ip link add " + hostIf + " type veth peer name " + nsIf);
        sh("ip link set " + nsIf + " netns " + netns);
        sh("ip addr add " + hostAddress() + "/30 dev " + hostIf + " && ip link set " + hostIf + " up");
        sh("nsenter --net=/run/netns/" + netns + " sh -c 'ip link set lo up && ip addr add 198.19." + subnet
                + ".2/30 dev " + nsIf + " && ip link set " + nsIf + " up'");
        StringBuilder insecure = new StringBuilder();
        for (String r : insecureRegistries) {
            insecure.append(insecure.length() == 0 ? "" : ",").append('"').append(r).append('"');
        }
        StringBuilder mirrors = new StringBuilder();
        for (String m : registryMirrors) {
            mirrors.append(mirrors.length() == 0 ? "" : ",").append('"').append(m).append('"');
        }
        Path conf = dir.resolve("daemon.json");
        Files.writeString(conf, """
                {
                  "data-root": "%s",
                  "exec-root": "%s",
                  "pidfile": "%s",
                  "hosts": ["unix://%s"],
                  "containerd": "%s",
                  "insecure-registries": [%s],
                  "registry-mirrors": [%s],
                  "bridge": "none",
                  "iptables": false,
                  "ip6tables": false,
                  "ip-masq": false
                }
                """.formatted(dir.resolve("data"), dir.resolve("exec"), dir.resolve("docker.pid"), socket(),
                containerd.socket(), insecure, mirrors));
        process = Procs.start(List.of("nsenter", "--net=/run/netns/" + netns, "dockerd", "--config-file", conf.toString()),
                dir.resolve("dockerd.log"), Map.of());
        Procs.awaitFile(socket(), process, dir.resolve("dockerd.log"), 60);
        for (int i = 0; i < 200; i++) {
            if (docker("version").exitCode() == 0) {
                return this;
            }
            if (!process.isAlive()) {
                break;
            }
            Procs.sleep(150);
        }
        throw new IllegalStateException("dockerd did not start: " + Procs.readQuietly(dir.resolve("dockerd.log")));
    }

    /** The docker CLI's config dir ({@code DOCKER_CONFIG}). */
    public Path cliConfig() {
        return dir.resolve("cli");
    }

    public Path socket() {
        return dir.resolve("docker.sock");
    }

    public Path log() {
        return dir.resolve("dockerd.log");
    }

    /** {@code docker -H unix://<socket> args...} with the test's own client config dir. */
    public Procs.Result docker(String... args) {
        return dockerWithInput(null, args);
    }

    public Procs.Result dockerWithInput(String stdin, String... args) {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/docker", "-H", "unix://" + socket()));
        cmd.addAll(List.of(args));
        Map<String, String> env = Map.of("DOCKER_CONFIG", dir.resolve("cli").toString());
        if (stdin == null) {
            return Procs.run(cmd, env, null, 300);
        }
        List<String> sh = List.of("sh", "-c", "printf '%s' \"$DFLY_STDIN\" | \"$@\"", "sh");
        List<String> full = new ArrayList<>(sh);
        full.addAll(cmd);
        return Procs.run(full, Map.of("DOCKER_CONFIG", dir.resolve("cli").toString(), "DFLY_STDIN", stdin), null, 300);
    }

    private static void sh(String command) {
        Procs.run(List.of("sh", "-c", command), Map.of(), null, 60).ok(command);
    }

    @Override
    public void close() {
        Procs.stop(process);
        Procs.run(List.of("sh", "-c", "grep -o ' " + dir + "[^ ]*' /proc/mounts | sort -r | xargs -r -n1 umount -l"),
                Map.of(), null, 60);
        containerd.close();
        if (netnsCreated) {
            Procs.run(List.of("ip", "netns", "del", netns), Map.of(), null, 60); // removes the veth pair too
        }
        Procs.deleteTree(dir);
    }
}
