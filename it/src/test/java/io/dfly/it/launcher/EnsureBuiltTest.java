package io.dfly.it.launcher;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * In a checkout, the launchers build the dist (bin/_common.sh, ensure_built) on first use and when asked to
 * with DFLY_REBUILD=1, always with {@code clean} (stale class files of moved sources otherwise stay in the
 * exploded WARs); they do not build when the dist is there, and a launcher started by a launcher (as
 * bin/quickstart starts bin/supernode and bin/dfdaemon) does not build again. Runs a copy of the launchers in
 * a stand-in checkout, with a stand-in {@code mvn} on the PATH that records how it was called and "builds" by
 * linking the real dist's files: nothing is really built or installed.
 */
class EnsureBuiltTest {
    private static final Path DIST = Launcher.ROOT.resolve("dist/target/dfly");
    private static final List<String> FILES = List.of("payara-micro.jar", "supernode.war", "dfdaemon.war", "dfget.jar", "dfly-logging.jar");

    @TempDir
    Path tmp;
    Path home;
    Path calls;
    String path;

    @BeforeEach
    void standInCheckout() throws IOException {
        home = tmp.resolve("dfly");
        Path bin = Files.createDirectories(home.resolve("bin"));
        for (String s : List.of("dfget", "_common.sh")) {
            Files.copy(Launcher.ROOT.resolve("bin").resolve(s), bin.resolve(s), StandardCopyOption.COPY_ATTRIBUTES);
        }
        Files.writeString(home.resolve("pom.xml"), "<project/>\n"); // a checkout, not a release
        // a launcher that starts another, as bin/quickstart does
        executable(bin.resolve("outer"), "#!/usr/bin/env bash\nset -euo pipefail\nsource \"$(dirname \"$0\")/_common.sh\"\n"
                + "ensure_built\n\"$DFLY_HOME/bin/dfget\" --help\n");
        calls = tmp.resolve("mvn-calls.txt");
        Path fakeBin = Files.createDirectories(tmp.resolve("fake-bin"));
        StringBuilder mvn = new StringBuilder("#!/bin/sh\necho \"$PWD: $*\" >>'" + calls + "'\nmkdir -p dist/target/dfly\n");
        for (String f : FILES) {
            mvn.append("ln -sf '").append(DIST.resolve(f)).append("' dist/target/dfly/").append(f).append('\n');
        }
        executable(fakeBin.resolve("mvn"), mvn.toString());
        path = fakeBin + ":" + System.getenv("PATH");
    }

    @Test
    void buildsCleanOnFirstUseThenNotAgain() throws Exception {
        String first = run("dfget", Map.of());
        assertEquals(List.of(home + ": -B -q -DskipTests clean install"), calls(), first);
        assertTrue(first.startsWith("dfly: building (first use; about 2 minutes): mvn -B -q -DskipTests clean install\nUsage: dfget"), first);

        String second = run("dfget", Map.of());
        assertEquals(1, calls().size(), "the dist is there: no build");
        assertTrue(second.startsWith("Usage: dfget"), second);
    }

    @Test
    void dflyRebuildBuildsCleanOnceEvenWhenALauncherStartsAnother() throws Exception {
        run("dfget", Map.of());
        Files.delete(calls);
        String out = run("outer", Map.of("DFLY_REBUILD", "1"));
        assertEquals(List.of(home + ": -B -q -DskipTests clean install"), calls(), out);
        assertTrue(out.startsWith("dfly: building (DFLY_REBUILD=1; about 2 minutes): mvn -B -q -DskipTests clean install\nUsage: dfget"), out);
    }

    @Test
    void aFailedBuildIsOneLineAndExitCode2() throws Exception {
        Files.writeString(tmp.resolve("fake-bin/mvn"), "#!/bin/sh\necho \"$PWD: $*\" >>'" + calls + "'\nexit 1\n");
        Process p = start("dfget", Map.of());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(2, p.exitValue(), out);
        assertEquals("dfly: building (first use; about 2 minutes): mvn -B -q -DskipTests clean install\n"
                + "dfget: build failed; run 'mvn -B -DskipTests clean install' in " + home + " to see why\n", out);
    }

    private String run(String script, Map<String, String> env) throws IOException, InterruptedException {
        Process p = start(script, env);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), script + " did not finish");
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    private Process start(String script, Map<String, String> env) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(home.resolve("bin").resolve(script).toString()).redirectErrorStream(true);
        pb.command().add("--help");
        pb.environment().remove("DFLY_REBUILD");
        pb.environment().remove("DFGET_JAVA_OPTS");
        pb.environment().put("PATH", path);
        pb.environment().putAll(env);
        return pb.start();
    }

    private List<String> calls() throws IOException {
        return Files.exists(calls) ? Files.readAllLines(calls) : List.of();
    }

    private static void executable(Path file, String text) throws IOException {
        Files.writeString(file, text);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
}
