package io.dfly.it.launcher;

import io.dfly.it.harness.FreePorts;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** dist/target/dfly-<version>.tar.gz holds what README.md, "Install a release", says, its units pass systemd-analyze, and it runs. */
class ReleaseTest {
    @TempDir
    static Path unpacked;
    static Path tarball;
    static Path release;

    @BeforeAll
    static void unpack() throws Exception {
        try (var files = Files.list(Launcher.ROOT.resolve("dist/target"))) {
            List<Path> found = files.filter(p -> p.getFileName().toString().matches("dfly-.+\\.tar\\.gz")).toList();
            assertEquals(1, found.size(), "one release tarball in dist/target: " + found);
            tarball = found.get(0);
        }
        Result tar = run(unpacked, "tar", "xzf", tarball.toString());
        assertEquals(0, tar.code, tar.output);
        String version = tarball.getFileName().toString().replaceAll("^dfly-|\\.tar\\.gz$", "");
        release = unpacked.resolve("dfly-" + version);
        assertTrue(Files.isDirectory(release), "one folder dfly-" + version + "/");
    }

    @Test
    void holdsWhatTheReadmeSays() throws Exception {
        String readme = Files.readString(Launcher.ROOT.resolve("README.md"));
        String section = readme.substring(readme.indexOf("## Install a release"));
        section = section.substring(0, section.indexOf("\n## ", 5));
        String holds = section.substring(section.indexOf("It holds"), section.indexOf("The services run"));
        // "`bin/` (`supernode`, `dfdaemon`, ...)" names folders and the files in them
        Matcher folder = Pattern.compile("`([a-z]+)/` \\(([^)]*)\\)").matcher(holds);
        int named = 0;
        while (folder.find()) {
            Matcher file = Pattern.compile("`([^`]+)`").matcher(folder.group(2));
            while (file.find()) {
                Path p = release.resolve(folder.group(1)).resolve(file.group(1));
                assertTrue(Files.isRegularFile(p), "the release lacks " + folder.group(1) + "/" + file.group(1));
                named++;
            }
        }
        assertTrue(named >= 13, "README names the release's files: " + named);
        for (String f : List.of("README.md", "docs/SECURITY.md", "config/supernode.properties", "config/dfdaemon.properties")) {
            assertTrue(Files.isRegularFile(release.resolve(f)), f);
        }
        for (String script : List.of("supernode", "dfdaemon", "dfget", "quickstart")) {
            assertTrue(Files.isExecutable(release.resolve("bin").resolve(script)), script + " is executable");
        }
        assertFalse(Files.exists(release.resolve("pom.xml")), "no sources: the launchers must not try to build");
        // the README's install commands name the files as they are in the release
        for (String path : List.of("/opt/dfly/systemd/dfly-sysusers.conf", "/opt/dfly/config/supernode.properties",
                "/opt/dfly/config/dfdaemon.properties", "/opt/dfly/systemd/dfly-*.service")) {
            assertTrue(section.contains(path), "README install step uses " + path);
        }
    }

    @Test
    void unitsRunAsDflyWithDataUnderVarLibAndPassSystemdAnalyzeVerify(@TempDir Path tmp) throws Exception {
        assertTrue(Files.isExecutable(Path.of("/usr/bin/systemd-analyze")), "systemd-analyze is needed: apt-get install -y systemd");
        for (String unit : List.of("dfly-supernode.service", "dfly-dfdaemon.service")) {
            String text = Files.readString(release.resolve("systemd").resolve(unit));
            String node = unit.replaceAll("^dfly-|\\.service$", "");
            for (String line : List.of("User=dfly", "Group=dfly", "StateDirectory=dfly", "NoNewPrivileges=yes",
                    "ProtectSystem=strict", "ReadWritePaths=/var/lib/dfly", "CapabilityBoundingSet=\n", "ProtectHome=yes",
                    "ExecStart=/opt/dfly/bin/" + node + " --config /etc/dfly/" + node + ".properties --data-dir /var/lib/dfly/" + node + "\n",
                    "WantedBy=multi-user.target")) {
                assertTrue(text.contains(line), unit + " lacks " + line.strip());
            }
            // systemd-analyze checks that ExecStart's program exists: verify a copy that runs the unpacked release
            Path copy = tmp.resolve(unit);
            Files.writeString(copy, text.replace("/opt/dfly/", release + "/"));
            Result verify = run(tmp, "systemd-analyze", "verify", copy.toString());
            assertEquals(0, verify.code, verify.output);
            assertEquals("", verify.output.strip(), unit + ": systemd-analyze verify says nothing");
        }
        // and it does say something about a broken unit (so its silence above means something)
        Path bad = tmp.resolve("dfly-broken.service");
        Files.writeString(bad, Files.readString(tmp.resolve("dfly-supernode.service")).replace("ProtectSystem=strict", "ProtectSystem=sometimes"));
        Result verify = run(tmp, "systemd-analyze", "verify", bad.toString());
        assertFalse(verify.output.isBlank() && verify.code == 0, "a bad value is reported");

        // the sysusers snippet makes the user the units run as (systemd-sysusers into an empty root)
        Path root = Files.createDirectories(tmp.resolve("root/etc"));
        Result sysusers = run(tmp, "systemd-sysusers", "--root=" + root.getParent(), release.resolve("systemd/dfly-sysusers.conf").toString());
        assertEquals(0, sysusers.code, sysusers.output);
        String passwd = Files.readString(root.resolve("passwd"));
        assertTrue(Pattern.compile("(?m)^dfly:x:\\d+:\\d+:[^:]*:/var/lib/dfly:/usr/sbin/nologin$").matcher(passwd).find(), passwd);
    }

    @Test
    void theUnpackedLauncherStartsASupernodeFromLib(@TempDir Path tmp) throws Exception {
        int port = FreePorts.pick();
        Path log = tmp.resolve("supernode.log");
        Launcher sn = Launcher.start(release, tmp, Map.of(), "supernode", "--port", String.valueOf(port),
                "--cluster-port", String.valueOf(FreePorts.pick()), "--data-dir", tmp.resolve("data").toString(),
                "--log-file", log.toString());
        try {
            LogsTest.awaitReady(sn, port);
            List<String> commands = new ArrayList<>();
            sn.process.descendants().forEach(h -> commands.add(String.join(" ", h.info().arguments().orElse(new String[0]))));
            commands.add(String.join(" ", sn.process.info().arguments().orElse(new String[0])));
            assertTrue(commands.stream().anyMatch(c -> c.contains(release.resolve("lib/payara-micro.jar").toString())
                    && c.contains(release.resolve("lib/supernode.war").toString())), "runs the release's own jars: " + commands);
            assertEquals("", sn.output(), "no build, nothing on the console");
            assertTrue(Files.readString(log).contains(" up: cluster "), Files.readString(log));
        } finally {
            sn.stop();
        }
    }

    /**
     * The release ships no dfget.jsa (an archive names the build tree's jar): bin/dfget makes the user's own on
     * first use, under $XDG_CACHE_HOME/dfly, and starts from it then and later; where it cannot write, it runs
     * without one. Either way the output is dfget's alone.
     */
    @Test
    void dfgetMakesItsClassDataArchiveOnFirstUseWhereTheUserCanWrite(@TempDir Path tmp) throws Exception {
        // no cache folder can be made (under a plain file): no archive, and nothing said about it
        Path file = Files.writeString(tmp.resolve("a-file"), "x");
        String expected = dfgetHelp(tmp, Map.of("HOME", file.resolve("home").toString(), "XDG_CACHE_HOME", file.resolve("cache").toString()), false);
        assertTrue(expected.startsWith("Usage: dfget"), expected);

        Path cache = tmp.resolve("cache");
        Map<String, String> env = Map.of("HOME", tmp.resolve("home").toString(), "XDG_CACHE_HOME", cache.toString());
        assertEquals(expected, dfgetHelp(tmp, env, true), "first run: makes the archive, then starts from it");
        Path dir = cache.resolve("dfly");
        List<Path> archives;
        try (var files = Files.list(dir)) {
            archives = files.toList();
        }
        assertEquals(1, archives.size(), "one archive, no leftovers: " + archives);
        Path archive = archives.get(0);
        assertTrue(archive.getFileName().toString().matches("dfget-\\d+\\.jsa"), archive.toString());
        assertTrue(Files.size(archive) > 1_000_000, "a whole training run's classes: " + Files.size(archive));
        assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
        var made = Files.getLastModifiedTime(archive);

        assertEquals(expected, dfgetHelp(tmp, env, true), "second run: starts from the archive");
        assertEquals(made, Files.getLastModifiedTime(archive), "not made again");

        // older than the jar (a new release unpacked over this one): made again
        Path jar = release.resolve("lib/dfget.jar");
        Files.setLastModifiedTime(archive, java.nio.file.attribute.FileTime.fromMillis(Files.getLastModifiedTime(jar).toMillis() - 60_000));
        assertEquals(expected, dfgetHelp(tmp, env, true), "a stale archive is replaced");
        assertTrue(Files.getLastModifiedTime(archive).compareTo(Files.getLastModifiedTime(jar)) > 0, "made anew");
        try (var files = Files.list(dir)) {
            assertEquals(List.of(archive), files.toList());
        }
    }

    /** An archive someone else could have put there (not the user's file, or not in the user's folder) is never used. */
    @Test
    void dfgetUsesOnlyAnArchiveTheUserOwns(@TempDir Path tmp) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(System.getProperty("user.name").equals("root"), "needs root, to give files to another user");
        Path mine = tmp.resolve("mine");
        Map<String, String> env = Map.of("HOME", tmp.resolve("home").toString(), "XDG_CACHE_HOME", mine.toString());
        String expected = dfgetHelp(tmp, env, true);
        Path archive;
        try (var files = Files.list(mine.resolve("dfly"))) {
            archive = files.findFirst().orElseThrow();
        }
        var nobody = tmp.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");

        Path theirs = tmp.resolve("theirs");
        Path planted = Files.createDirectories(theirs.resolve("dfly")).resolve(archive.getFileName());
        Files.copy(archive, planted);
        Files.setOwner(planted.getParent(), nobody);
        Files.setOwner(planted, nobody);
        Map<String, String> shared = Map.of("HOME", tmp.resolve("home").toString(), "XDG_CACHE_HOME", theirs.toString());
        assertEquals(expected, dfgetHelp(tmp, shared, false), "another user's folder: neither used nor written");
        try (var files = Files.list(planted.getParent())) {
            assertEquals(List.of(planted), files.toList());
        }

        Files.setOwner(planted.getParent(), Files.getOwner(tmp));
        assertEquals(expected, dfgetHelp(tmp, shared, true), "another user's file in the user's folder: replaced by the user's own");
        assertEquals(Files.getOwner(tmp), Files.getOwner(planted));
    }

    /** The release's bin/dfget --help: its whole output, after checking where dfget's own classes came from. */
    private static String dfgetHelp(Path tmp, Map<String, String> env, boolean fromArchive) throws Exception {
        Path classes = Files.createTempFile(tmp, "classes-", ".txt");
        Map<String, String> all = new java.util.HashMap<>(env);
        all.put("DFGET_JAVA_OPTS", "-Xmx512m -XX:+UseSerialGC -XX:-UsePerfData -Xlog:class+load:file=" + classes);
        Launcher dfget = Launcher.start(release, tmp, all, "dfget", "--help");
        assertEquals(0, dfget.await(Duration.ofSeconds(120)), dfget.output());
        assertEquals(fromArchive, Files.readString(classes).contains("io.dfly.dfget.Dfget source: shared objects file (top)"),
                fromArchive ? "dfget's own classes come from its archive" : "no archive of dfget's");
        return dfget.output();
    }

    record Result(int code, String output) { }

    static Result run(Path dir, String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(2, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", cmd) + " did not finish");
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }
}
