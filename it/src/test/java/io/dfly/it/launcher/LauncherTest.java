package io.dfly.it.launcher;

import io.dfly.it.harness.FreePorts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The scripts in bin/ do what their --help and the README say. */
class LauncherTest {

    @Test
    void helpListsEveryFlagTheReadmeNames(@TempDir Path tmp) throws Exception {
        String readme = Files.readString(Launcher.ROOT.resolve("README.md"));
        for (String script : List.of("supernode", "dfdaemon")) {
            Launcher help = Launcher.start(tmp, Map.of(), script, "--help");
            assertEquals(0, help.await(Duration.ofSeconds(30)));
            String text = help.output();
            // every flag in the README's property table of this component
            String section = readme.substring(readme.indexOf("### " + (script.equals("supernode") ? "Supernode" : "dfdaemon")));
            section = section.substring(0, section.indexOf("\n### ", 5));
            Matcher m = Pattern.compile("\\| `(--[a-z-]+)` \\|").matcher(section);
            int flags = 0;
            while (m.find()) {
                flags++;
                assertTrue(text.contains(m.group(1)), script + " --help lacks " + m.group(1) + ":\n" + text);
            }
            assertTrue(flags >= 4, "README table of " + script + " should name its flags");
            for (String common : List.of("--config", "--log-file", "-D KEY=VALUE")) {
                assertTrue(text.contains(common), script + " --help lacks " + common);
            }
        }
        Launcher qs = Launcher.start(tmp, Map.of(), "quickstart", "--help");
        assertEquals(0, qs.await(Duration.ofSeconds(30)));
        for (String flag : List.of("--supernode-port", "--dfdaemon-port", "--upload-port", "--registry", "--allowed-origins",
                "--data-dir", "--advertise-ip")) {
            assertTrue(qs.output().contains(flag), "quickstart --help lacks " + flag);
        }
    }

    @Test
    void badFlagsFailWithOneLineNamingTheProperty(@TempDir Path tmp) throws Exception {
        Launcher port = Launcher.start(tmp, Map.of(), "dfdaemon", "--port", "abc");
        assertEquals(2, port.await(Duration.ofSeconds(30)));
        assertEquals("dfdaemon: invalid value 'abc' for dfly.dfdaemon.port: want a port number from 1 to 65535",
                port.output().strip());

        Launcher unknown = Launcher.start(tmp, Map.of(), "supernode", "--bogus");
        assertEquals(2, unknown.await(Duration.ofSeconds(30)));
        assertEquals("supernode: unknown option '--bogus' (see --help)", unknown.output().strip());
    }

    @Test
    void environmentVariablesReachTheApplicationTheMicroProfileWay(@TempDir Path tmp) throws Exception {
        // DFLY_DFDAEMON_RATELIMIT is dfly.dfdaemon.ratelimit: a bad value must stop dfdaemon with one clear line
        Launcher dd = Launcher.start(tmp, Map.of("DFLY_DFDAEMON_RATELIMIT", "100Q"), "dfdaemon",
                "--port", String.valueOf(FreePorts.pick()), "--data-dir", tmp.resolve("dd").toString());
        try {
            assertEquals(2, dd.await(Duration.ofMinutes(4)));
            assertTrue(dd.output().contains(
                    "dfly dfdaemon cannot start: invalid value '100Q' for dfly.dfdaemon.ratelimit: want a size such as 512K, 20M or 1G"),
                    dd.output());
        } finally {
            dd.stop();
        }
    }

    @Test
    void configFileReachesTheApplication(@TempDir Path tmp) throws Exception {
        Path config = Files.writeString(tmp.resolve("supernode.properties"), "dfly.supernode.peer-timeout=soon\n");
        Launcher sn = Launcher.start(tmp, Map.of(), "supernode", "--config", config.toString(),
                "--port", String.valueOf(FreePorts.pick()), "--cluster-port", String.valueOf(FreePorts.pick()),
                "--data-dir", tmp.resolve("sn").toString());
        try {
            assertEquals(2, sn.await(Duration.ofMinutes(4)));
            assertTrue(sn.output().contains(
                    "dfly supernode cannot start: invalid value 'soon' for dfly.supernode.peer-timeout: want a duration such as 30s, 5m, 2h or 7d"),
                    sn.output());
        } finally {
            sn.stop();
        }
    }

    @Test
    void quickstartStartsBothAndStopsBothOnCtrlC(@TempDir Path tmp) throws Exception {
        int sn = FreePorts.pick();
        int dd = FreePorts.pick();
        Launcher qs = Launcher.start(tmp, Map.of(), "quickstart", "--supernode-port", String.valueOf(sn),
                "--dfdaemon-port", String.valueOf(dd), "--upload-port", String.valueOf(FreePorts.pick()),
                "--allowed-origins", "127.0.0.1", "--data-dir", tmp.resolve("dfly").toString());
        try {
            long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
            while (!qs.output().contains("dfly is ready.") && qs.process.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(500);
            }
            assertTrue(qs.output().contains("dfly is ready."), qs.output());
            assertTrue(qs.output().contains(tmp.resolve("dfly/logs/supernode.log").toString()), "prints where logs are");
            assertTrue(qs.output().contains("registry-mirrors"), "says how to point docker at it");
            // the quick start enrols both nodes in a new cluster and says where its secret and token are
            Path secretFile = tmp.resolve("dfly/cluster.secret");
            Path tokenFile = tmp.resolve("dfly/api.token");
            for (Path f : List.of(secretFile, tokenFile)) {
                assertTrue(qs.output().contains(f.toString()), "prints where " + f.getFileName() + " is:\n" + qs.output());
                assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(f)), f.toString());
            }
            HttpClient http = HttpClient.newHttpClient();
            for (int port : new int[]{sn, dd}) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/ready")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode(), r.body());
            }
            // everything under --data-dir, including Payara Micro's own scratch dirs (a shared one would
            // make Payara deploy an earlier run's WAR a second time)
            for (String node : List.of("supernode", "dfdaemon")) {
                assertTrue(Files.isDirectory(tmp.resolve("dfly").resolve(node).resolve(".payara")), node + " scratch dir under --data-dir");
            }
            // the README's dfget example, as written (with this host listed by --allowed-origins)
            Path ping = tmp.resolve("ping.txt");
            Launcher dfget = Launcher.start(tmp, Map.of(), "dfget", "-u", "http://127.0.0.1:" + sn + "/_ping", "-o",
                    ping.toString(), "--dfdaemon", "127.0.0.1:" + dd, "--cluster-secret-file", secretFile.toString());
            assertEquals(0, dfget.await(Duration.ofMinutes(2)), dfget.output());
            assertEquals("{}", Files.readString(ping).strip(), "the supernode's /_ping through dfly");
            List<ProcessHandle> servers = qs.process.descendants().filter(h -> h.info().command().orElse("").endsWith("java")).toList();
            assertEquals(2, servers.size(), "a supernode and a dfdaemon JVM");

            // Ctrl-C
            new ProcessBuilder("kill", "-INT", String.valueOf(qs.process.pid())).start().waitFor();
            qs.await(Duration.ofMinutes(1));
            for (ProcessHandle h : servers) {
                h.onExit().get(java.util.concurrent.TimeUnit.SECONDS.toMillis(30), java.util.concurrent.TimeUnit.MILLISECONDS);
                assertTrue(!h.isAlive(), "server " + h.pid() + " still running after Ctrl-C");
            }
            assertTrue(qs.output().contains("dfly: stopped"), qs.output());
        } finally {
            qs.stop();
        }
    }
}
