package io.dfly.it.harness;

import io.dfly.it.registry.Procs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A small tmpfs mounted on a directory, for "the disk is full" tests: {@code mount -t tmpfs -o size=NNm
 * tmpfs DIR}. Needs root (a test without it is skipped through an assumption); {@link #close()} always
 * unmounts (lazily if a process still holds a file there). Use in try-with-resources.
 */
public final class Tmpfs implements AutoCloseable {
    private final Path dir;
    private boolean mounted;

    private Tmpfs(Path dir) {
        this.dir = dir;
    }

    /** Whether this JVM may mount (runs as root). */
    public static boolean available() {
        return "root".equals(System.getProperty("user.name")) && Procs.onPath("mount");
    }

    /** Mounts a tmpfs of {@code megabytes} MiB on {@code dir} (created when missing); skips the test when not root. */
    public static Tmpfs mount(Path dir, int megabytes) {
        assumeTrue(available(), "mounting a tmpfs needs root");
        Tmpfs t = new Tmpfs(dir);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Procs.run(List.of("mount", "-t", "tmpfs", "-o", "size=" + megabytes + "m", "tmpfs", dir.toString()), Map.of(), null, 30)
                .ok("mount tmpfs on " + dir);
        t.mounted = true;
        return t;
    }

    public Path dir() {
        return dir;
    }

    @Override
    public void close() {
        if (!mounted) {
            return;
        }
        Procs.Result r = Procs.run(List.of("umount", dir.toString()), Map.of(), null, 30);
        if (r.exitCode() != 0) {
            Procs.run(List.of("umount", "-l", dir.toString()), Map.of(), null, 30).ok("umount -l " + dir);
        }
        mounted = false;
    }
}
