package io.dfly.it.metrics;

import io.dfly.it.harness.DflyNode;
import io.dfly.it.harness.Http;
import io.dfly.it.harness.TestSecrets;
import io.dfly.it.registry.OciImage;
import io.dfly.it.registry.Procs;
import io.dfly.it.registry.RegistryServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A real supernode and dfdaemon in front of a real registry: after one image is pulled through the
 * mirror, Payara's {@code /metrics} (MicroProfile Metrics) on both shows dfly's counters, gauges and
 * timers with non-zero counts next to the JVM's; an outsider reads only counters (no URL, repository,
 * digest or task id) and can change nothing; the old {@code /api/v1/metrics} is gone.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MetricsScrapeTest {
    static final String REPO = "metrics/app";
    Path work;
    RegistryServer registry;
    OciImage image;
    DflyNode supernode;
    DflyNode dfdaemon;

    @BeforeAll
    void setUp() throws Exception {
        assumeTrue(RegistryServer.available(), "docker-registry is not installed");
        work = Files.createTempDirectory("dfly-metrics-");
        registry = new RegistryServer(RegistryServer.Auth.NONE, work.resolve("registry")).start();
        image = OciImage.build(work.resolve("oci"), "v1", 12);
        registry.push(image, REPO + ":v1");
        supernode = DflyNode.supernode(Map.of()).start();
        dfdaemon = DflyNode.dfdaemon(Map.of("dfly.dfdaemon.registry", registry.url(),
                "dfly.dfdaemon.supernodes", supernode.hostPort(), "dfly.dfdaemon.p2p-min-size", "0")).start();
    }

    @AfterAll
    void tearDown() {
        Procs.closeAll(dfdaemon, supernode, registry);
        Procs.deleteTree(work);
    }

    private static double positive(Map<String, Double> m, String series) {
        Double v = m.get(series);
        assertTrue(v != null && v > 0, series + " = " + v + " in " + m.keySet());
        return v;
    }

    /** The series {@code name} whose labels include {@code label} (e.g. {@code kind="blob"}), in whatever order. */
    private static Double labelled(Map<String, Double> m, String name, String label) {
        return m.entrySet().stream().filter(e -> e.getKey().startsWith(name + "{") && e.getKey().contains(label))
                .map(Map.Entry::getValue).findFirst().orElse(null);
    }

    private static void positive(Map<String, Double> m, String name, String label) {
        Double v = labelled(m, name, label);
        assertTrue(v != null && v > 0, name + "{" + label + "} = " + v + " in " + m.keySet());
    }

    @Test
    @Order(1)
    void bothNodesExportCountersGaugesAndTimersAfterAPull() throws Exception {
        String base = "http://" + dfdaemon.hostPort() + "/v2/" + REPO;
        HttpResponse<byte[]> manifest = Http.get(base + "/manifests/v1",
                Map.of("Accept", "application/vnd.oci.image.manifest.v1+json"));
        assertEquals(200, manifest.statusCode());
        OciImage.Blob big = image.bigLayer();
        HttpResponse<byte[]> blob = Http.get(base + "/blobs/" + big.digest(), Map.of());
        assertEquals(200, blob.statusCode());
        assertEquals(big.size(), blob.body().length);

        Map<String, Double> dd = Http.metrics(dfdaemon.baseUrl());
        assertTrue(dd.get("dfly_engine_bytes_from_supernode_total") + dd.get("dfly_engine_bytes_from_peers_total")
                >= big.size(), dd.toString());
        positive(dd, "dfly_engine_downloads_succeeded_total");
        positive(dd, "dfly_engine_download_seconds_count");
        positive(dd, "dfly_engine_download_seconds_sum");
        positive(dd, "dfly_engine_piece_fetch_seconds_count");
        // histograms: the buckets the WAR's microprofile-config.properties names (the +Inf one counts every fetch)
        positive(dd, "dfly_engine_download_seconds_bucket", "le=\"+Inf\"");
        positive(dd, "dfly_engine_piece_fetch_seconds_bucket", "le=\"+Inf\"");
        positive(dd, "dfly_mirror_first_byte_seconds_count", "kind=\"blob\"");
        positive(dd, "dfly_mirror_first_byte_seconds_count", "kind=\"manifest\"");
        for (String cause : List.of("refused", "length", "digest", "deadline", "connection")) {
            assertEquals(0.0, labelled(dd, "dfly_engine_pieces_failed_total", "cause=\"" + cause + "\""),
                    "pieces failed by " + cause + " (a clean pull): " + dd);
        }
        assertTrue(dd.containsKey("dfly_engine_downloads_active"), dd.keySet().toString());
        positive(dd, "gc_total"); // the JVM's metrics come with Payara

        Map<String, Double> sn = Http.metrics(supernode.baseUrl());
        assertTrue(sn.get("dfly_supernode_origin_bytes_total") >= big.size(), sn.toString());
        positive(sn, "dfly_supernode_served_bytes_total");
        positive(sn, "dfly_supernode_origin_fetch_seconds_count");
        positive(sn, "dfly_supernode_origin_fetch_seconds_bucket", "le=\"+Inf\"");
        positive(sn, "dfly_supernode_tasks", "state=\"SUCCESS\"");
        assertEquals(0.0, sn.get("dfly_supernode_piece_failures_total"), sn.toString());
        positive(sn, "gc_total");
    }

    @Test
    @Order(2)
    void anOutsiderReadsCountersOnlyAndChangesNothing() throws Exception {
        // no token, no cluster secret: /metrics is public on the supernode (docs/SECURITY.md)
        HttpResponse<String> r = Http.send("GET", supernode.baseUrl() + "/metrics", null, null);
        assertEquals(200, r.statusCode());
        HttpResponse<String> tasks = Http.send("GET", supernode.baseUrl() + "/api/v1/tasks", null,
                TestSecrets.operatorAuthorization());
        assertEquals(200, tasks.statusCode(), tasks.body());
        List<String> privateThings = new java.util.ArrayList<>(List.of(registry.hostPort(), REPO,
                image.bigLayer().digest().substring("sha256:".length()), TestSecrets.operatorToken()));
        java.util.regex.Matcher ids = java.util.regex.Pattern.compile("\"taskId\":\"([0-9a-f]{64})\"").matcher(tasks.body());
        while (ids.find()) {
            privateThings.add(ids.group(1));
        }
        assertTrue(privateThings.size() > 4, "the supernode lists the pulled tasks: " + tasks.body());
        for (DflyNode n : new DflyNode[]{supernode, dfdaemon}) {
            String text = Http.send("GET", n.baseUrl() + "/metrics", null, null).body();
            for (String p : privateThings) {
                assertFalse(text.contains(p), n.hostPort() + " /metrics shows " + p);
            }
            for (String method : List.of("POST", "PUT", "DELETE")) {
                assertEquals(405, Http.send(method, n.baseUrl() + "/metrics", "{}", null).statusCode(), method + " /metrics");
            }
            assertEquals(404, Http.send("GET", n.baseUrl() + "/api/v1/metrics", null, null).statusCode(),
                    "the hand-written endpoint is gone");
        }
        assertEquals(401, Http.send("GET", supernode.baseUrl() + "/api/v1/tasks", null, null).statusCode(),
                "operator APIs still need the token");
    }

    @Test
    @Order(3)
    void theDfdaemonsMetricsAnswerThisHostOnly() throws Exception {
        InetAddress other = null;
        for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            for (InetAddress a : Collections.list(ni.getInetAddresses())) {
                if (a instanceof Inet4Address && !a.isLoopbackAddress() && ni.isUp()) {
                    other = a;
                }
            }
        }
        assumeTrue(other != null, "this host has no address besides loopback");
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(other, dfdaemon.port()), 2000);
        } catch (IOException refused) {
            return; // the listener is bound to 127.0.0.1 only: nobody elsewhere reaches it
        }
        HttpResponse<String> r = Http.send("GET", "http://" + other.getHostAddress() + ":" + dfdaemon.port() + "/metrics",
                null, null);
        assertEquals(-1, r.statusCode(), "the dfdaemon's listener answered on " + other + ": " + r.body());
    }
}
