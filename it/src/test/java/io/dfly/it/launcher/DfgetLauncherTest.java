package io.dfly.it.launcher;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * bin/dfget starts the JVM with dfget's class-data archive (dist/target/dfly/dfget.jsa, built by the dist
 * module) when it is there, and without it — silently, same output — when it is missing, stale, made for
 * another jar, or not an archive at all.
 */
class DfgetLauncherTest {
    private static final Path DIST = Launcher.ROOT.resolve("dist/target/dfly");

    @Test
    void theBuiltArchiveIsUsed(@TempDir Path tmp) throws Exception {
        assertTrue(Files.isRegularFile(DIST.resolve("dfget.jsa")), "dist builds dfget.jsa beside dfget.jar");
        Path log = tmp.resolve("classes.txt");
        Launcher help = Launcher.start(tmp, Map.of("DFGET_JAVA_OPTS", "-Xmx512m -XX:+UseSerialGC -Xlog:class+load:file=" + log),
                "dfget", "--help");
        assertEquals(0, help.await(java.time.Duration.ofSeconds(60)), help.output());
        assertTrue(help.output().startsWith("Usage: dfget"), help.output());
        assertTrue(Files.readString(log).contains("io.dfly.dfget.Dfget source: shared objects file (top)"),
                "dfget's own classes come from its archive");
    }

    @Test
    void withoutAUsableArchiveDfgetStartsAsBeforeAndSaysNothingOfIt(@TempDir Path tmp) throws Exception {
        // a copy of the launcher and the dist, so the real dist's archive is left alone
        Path home = tmp.resolve("dfly");
        Path bin = Files.createDirectories(home.resolve("bin"));
        Path dist = Files.createDirectories(home.resolve("dist/target/dfly"));
        for (String s : List.of("dfget", "_common.sh")) {
            Files.copy(Launcher.ROOT.resolve("bin").resolve(s), bin.resolve(s), StandardCopyOption.COPY_ATTRIBUTES);
        }
        for (String f : List.of("payara-micro.jar", "supernode.war", "dfdaemon.war", "dfly-logging.jar")) {
            Files.createSymbolicLink(dist.resolve(f), DIST.resolve(f));
        }
        Files.copy(DIST.resolve("dfget.jar"), dist.resolve("dfget.jar"));
        Path archive = dist.resolve("dfget.jsa");

        String expected = run(bin, tmp, "no archive");
        assertTrue(expected.startsWith("Usage: dfget"), expected);

        // the real archive names the real jar: for this copy the JVM refuses it
        Files.copy(DIST.resolve("dfget.jsa"), archive);
        assertEquals(expected, run(bin, tmp, "an archive of another jar"));
        Files.delete(archive);

        Files.writeString(archive, "not a class-data archive\n");
        assertEquals(expected, run(bin, tmp, "a file that is not an archive"));

        // older than the jar (the jar was rebuilt since): not even tried
        Files.setLastModifiedTime(archive, FileTime.fromMillis(Files.getLastModifiedTime(dist.resolve("dfget.jar")).toMillis() - 60_000));
        assertEquals(expected, run(bin, tmp, "a stale archive"));
    }

    /** bin/dfget --help of the copy: its whole output (stdout and stderr), which must be the usage only. */
    private static String run(Path bin, Path tmp, String what) throws IOException, InterruptedException {
        Path out = Files.createTempFile(tmp, "dfget-", ".out");
        Path classes = Files.createTempFile(tmp, "classes-", ".txt");
        ProcessBuilder pb = new ProcessBuilder(bin.resolve("dfget").toString(), "--help").redirectErrorStream(true)
                .redirectOutput(out.toFile());
        pb.environment().remove("DFGET_JAVA_OPTS");
        pb.environment().put("JAVA_TOOL_OPTIONS", "-Xlog:class+load:file=" + classes);
        Process p = pb.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), what + ": dfget --help did not finish");
        String text = Files.readString(out).replace("Picked up JAVA_TOOL_OPTIONS: -Xlog:class+load:file=" + classes + "\n", "");
        assertEquals(0, p.exitValue(), what + ": " + text);
        assertFalse(Files.readString(classes).contains("(top)"), what + ": no class came from an archive of dfget's");
        return text;
    }
}
