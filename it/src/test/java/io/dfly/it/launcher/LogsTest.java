package io.dfly.it.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dfly.it.harness.FreePorts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The servers' logs are what README.md, "Logs", says: one readable line per record, or JSON, to where they are told. */
class LogsTest {
    /** time with zone, level, component, message */
    static final Pattern LINE = Pattern.compile(
            "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}(Z|[+-]\\d\\d:\\d\\d) (SEVERE|WARNING|INFO|CONFIG|FINE|FINER|FINEST) +\\S+ \\S.*");
    /** a terminal screen */
    static final int SCREEN = 40;

    @Test
    void quickstartLogsAfterOneDfgetFitOnAScreenAndEveryLineIsOneRecord(@TempDir Path tmp) throws Exception {
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
            Launcher dfget = Launcher.start(tmp, Map.of(), "dfget", "-u", "http://127.0.0.1:" + sn + "/_ping", "-o",
                    tmp.resolve("ping.txt").toString(), "--dfdaemon", "127.0.0.1:" + dd,
                    "--cluster-secret-file", tmp.resolve("dfly/cluster.secret").toString());
            assertEquals(0, dfget.await(Duration.ofMinutes(2)), dfget.output());
            // what docker and skopeo do first on a plain-http mirror: a TLS hello (Grizzly logs a stack trace for it)
            tlsHello(dd);
            tlsHello(sn);
            Thread.sleep(2000);
            for (String node : List.of("supernode", "dfdaemon")) {
                Path log = tmp.resolve("dfly/logs/" + node + ".log");
                String text = Files.readString(log);
                System.out.println("--- " + node + ".log after start, one dfget and two TLS hellos:\n" + text);
                assertReadable(node, text);
                assertFalse(text.contains("GRIZZLY0013") || text.contains("Unknown protocol"), node + ": a TLS hello is no stack trace:\n" + text);
            }
            assertTrue(Files.readString(tmp.resolve("dfly/logs/supernode.log")).contains(" up: cluster "), "the supernode says it is up");
        } finally {
            qs.stop();
        }
    }

    @Test
    void logFileGetsEverythingAsJsonLinesAndTheConsoleNothing(@TempDir Path tmp) throws Exception {
        int port = FreePorts.pick();
        Path log = tmp.resolve("logs/supernode.log");
        Launcher sn = Launcher.start(tmp, Map.of(), "supernode", "--port", String.valueOf(port),
                "--cluster-port", String.valueOf(FreePorts.pick()), "--data-dir", tmp.resolve("sn").toString(),
                "--log-file", log.toString(), "--log-format", "json", "--log-level", "FINE");
        try {
            awaitReady(sn, port);
            tlsHello(port);
            List<JsonNode> records = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            JsonNode hello = null;
            while (hello == null && System.nanoTime() < deadline) {
                Thread.sleep(500);
                records.clear();
                for (String line : Files.readAllLines(log)) {
                    records.add(new ObjectMapper().readTree(line)); // each line one JSON object
                }
                hello = records.stream().filter(r -> r.path("component").asText().equals("grizzly")
                        && r.path("message").asText().contains("TLS hello")).findFirst().orElse(null);
            }
            assertTrue(hello != null, "a TLS hello is one FINE record:\n" + Files.readString(log));
            assertEquals("FINE", hello.get("level").asText());
            assertFalse(hello.has("exception"), hello.toString());
            for (JsonNode r : records) {
                OffsetDateTime.parse(r.get("time").asText());
                for (String field : List.of("level", "component", "logger", "message")) {
                    assertTrue(r.hasNonNull(field), field + " in " + r);
                }
                assertFalse(r.toString().contains("Unknown protocol"), r.toString());
            }
            assertTrue(records.stream().anyMatch(r -> r.get("message").asText().contains(" up: cluster ")), "dfly's own records are there");
            assertEquals("", sn.output(), "nothing on the console with --log-file");
            try (var files = Files.list(log.getParent())) {
                assertEquals(List.of(log), files.toList(), "exactly the file named (no " + log.getFileName() + ".0, no lock file)");
            }
        } finally {
            sn.stop();
        }
    }

    static void assertReadable(String name, String text) {
        assertFalse(text.contains("\u001b"), name + ": no ANSI colour codes");
        String[] lines = text.split("\n", -1);
        assertEquals("", lines[lines.length - 1], name + " ends with a new line");
        int n = lines.length - 1;
        assertTrue(n > 0 && n < SCREEN, name + ": " + n + " lines, want fewer than " + SCREEN + ":\n" + text);
        for (int i = 0; i < n; i++) {
            assertFalse(lines[i].isBlank(), name + ": blank line " + (i + 1));
            assertTrue(LINE.matcher(lines[i]).matches(), name + ": line " + (i + 1) + " is not one record: " + lines[i]);
        }
    }

    static void awaitReady(Launcher l, int port) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        // a Payara Micro start takes 1-3 minutes on a loaded 2-core machine
        long deadline = System.nanoTime() + Duration.ofMinutes(8).toNanos();
        while (System.nanoTime() < deadline) {
            if (!l.process.isAlive()) {
                throw new AssertionError("exited " + l.process.exitValue() + ":\n" + l.output());
            }
            try {
                HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/ready"))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(500);
        }
        throw new AssertionError("not ready on " + port + ":\n" + l.output());
    }

    /**
     * TLS client hellos to a plain HTTP port, as docker or skopeo send when they try https:// first. Grizzly
     * logs its GRIZZLY0013 stack trace only when the hello's random bytes happen to hold two spaces and then a
     * line feed (it takes them for a request line with a protocol it cannot name), so first one hello whose
     * client random does (measured: without them Grizzly answers a 400 or waits, and logs nothing), then a
     * real JDK handshake.
     */
    static void tlsHello(int port) throws Exception {
        byte[] random = new byte[32];
        new java.util.Random(port).nextBytes(random);
        for (int i = 0; i < random.length; i++) {
            if (random[i] == ' ' || random[i] == '\r' || random[i] == '\n') {
                random[i] = 'A';
            }
        }
        random[3] = ' ';
        random[6] = ' ';
        random[10] = '\r';
        random[11] = '\n';
        java.io.ByteArrayOutputStream hello = new java.io.ByteArrayOutputStream();
        hello.write(new byte[]{0x16, 0x03, 0x01, 0x00, 0x2f, 0x01, 0x00, 0x00, 0x2b, 0x03, 0x03}); // record, ClientHello, TLS 1.2
        hello.write(random);
        hello.write(new byte[]{0x00, 0x00, 0x02, 0x13, 0x01, 0x01, 0x00, 0x00, 0x00}); // no session, TLS_AES_128_GCM_SHA256, no compression
        try (Socket raw = new Socket()) {
            raw.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            raw.setSoTimeout(5000);
            raw.getOutputStream().write(hello.toByteArray());
            raw.getOutputStream().flush();
            raw.getInputStream().readAllBytes(); // the server's answer (a 400, or nothing) until it closes
        } catch (IOException expected) {
            // closed or timed out: either way not TLS
        }
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[]{new X509TrustManager() {
            public void checkClientTrusted(X509Certificate[] c, String a) { }
            public void checkServerTrusted(X509Certificate[] c, String a) { }
            public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
        }}, null);
        try (Socket plain = new Socket()) {
            plain.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            plain.setSoTimeout(5000);
            try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(plain, "127.0.0.1", port, false)) {
                s.startHandshake();
            }
        } catch (IOException expected) {
            // a plain HTTP port answers no TLS
        }
    }
}
