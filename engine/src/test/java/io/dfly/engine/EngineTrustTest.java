package io.dfly.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dfly.core.config.HostPort;
import io.dfly.core.download.DownloadException;
import io.dfly.core.download.DownloadHandle;
import io.dfly.core.download.DownloadRequest;
import io.dfly.core.download.DownloadResult;
import io.dfly.core.piece.Digests;
import io.dfly.core.protocol.PieceHeaders;
import io.dfly.core.security.ClusterSecret;
import io.dfly.core.security.OriginPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The engine's trust boundaries: host tokens to supernodes, piece grants on its upload port, origin rules. */
class EngineTrustTest {
    private static final int PIECE = 64 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ALLOWED = "dfly.dfdaemon.allowed-registries";
    @TempDir
    Path tmp;
    private final byte[] content = new byte[PIECE * 5 + 99];
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final List<LogRecord> warnings = new CopyOnWriteArrayList<>();
    private final Logger engineLog = Logger.getLogger("io.dfly.engine");
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
                warnings.add(r);
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private TestOrigin origin;
    private FakeSupernode supernode;
    private String url;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void setUp() {
        new Random(7).nextBytes(content);
        origin = closing(new TestOrigin());
        url = origin.serve("/files/blob.bin", content);
        supernode = closing(new FakeSupernode(content, PIECE));
        engineLog.addHandler(capture);
    }

    @AfterEach
    void tearDown() throws Exception {
        engineLog.removeHandler(capture);
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    private <T extends AutoCloseable> T closing(T c) {
        closeables.add(c);
        return c;
    }

    private EngineConfig.Builder config(String name) {
        return EngineConfig.builder(tmp.resolve(name)).peerId(name).supernodes(List.of(supernode.hostPort()))
                .advertiseIp("127.0.0.1").uploadPort(0).clusterSecret(FakeSupernode.SECRET);
    }

    private P2PEngine engine(EngineConfig.Builder b) {
        return closing(new P2PEngine(b.build()));
    }

    private static DownloadResult await(DownloadHandle h) throws Exception {
        return h.completion().get(60, TimeUnit.SECONDS);
    }

    private static DownloadException failure(DownloadHandle h) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> await(h));
        return assertInstanceOf(DownloadException.class, e.getCause());
    }

    private DownloadRequest request(String u, boolean backToSource) {
        return new DownloadRequest(u, Map.of("Authorization", "Bearer origin-token"), null, null, backToSource);
    }

    private static int deadPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    // ---- enrolment ----

    @Test
    void theEngineCannotBeBuiltWithoutTheClusterSecret() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> EngineConfig.builder(tmp).peerId("x").build());
        assertTrue(e.getMessage().contains("cluster secret") && e.getMessage().contains(ClusterSecret.PROPERTY), e.getMessage());
    }

    @Test
    void everySupernodeCallCarriesAHostToken() throws Exception {
        P2PEngine a = engine(config("a").heartbeatInterval(Duration.ofMillis(100)));
        DownloadResult r = await(a.start(request(url, true)));
        assertFalse(r.fellBack());
        long until = System.currentTimeMillis() + 5_000;
        while (supernode.heartbeats.get() == 0 && System.currentTimeMillis() < until) {
            Thread.sleep(50);
        }
        assertTrue(supernode.heartbeats.get() > 0, "heartbeats were accepted");
        a.close(); // leaves the swarm: DELETE with a token too
        assertEquals(0, supernode.unauthorized.get(), "no call was refused");
        assertEquals(0, supernode.piecesRefused.get());
    }

    @Test
    void aHostWithAnotherSecretIsRefusedAndFallsBackToTheOriginWithOneWarnLine() throws Exception {
        P2PEngine a = engine(config("a").clusterSecret(ClusterSecret.of("not-the-cluster-secret-at-all")));
        DownloadResult r = await(a.start(request(url, true)));
        assertTrue(r.fellBack());
        assertArrayEquals(content, Files.readAllBytes(r.file()));
        assertEquals(0, supernode.registrations.get(), "nothing registered");
        assertTrue(supernode.unauthorized.get() > 0);
        assertEquals(1, warnings.size(), warnings.toString());
        assertEquals("supernode " + supernode.hostPort() + " refused this host (401): it is not enrolled — copy the"
                + " supernode's cluster secret to dfly.security.cluster-secret-file; downloading from origin",
                warnings.get(0).getMessage());
    }

    @Test
    void aRefusedHostWithoutBackToSourceGetsTheReasonAndNoBytes() throws Exception {
        P2PEngine a = engine(config("a").clusterSecret(ClusterSecret.of("not-the-cluster-secret-at-all")));
        DownloadException e = failure(a.start(request(url, false)));
        assertEquals(DownloadException.Kind.NO_SOURCE, e.kind());
        assertTrue(e.getMessage().contains("refused this host (401): it is not enrolled"), e.getMessage());
        assertTrue(e.getMessage().contains("back-to-source is disabled"), e.getMessage());
        assertEquals(0, origin.gets.get());
    }

    // ---- piece grants on the upload port ----

    @Test
    void theUploadPortServesOnlyGrantedPiecesToEnrolledHosts() throws Exception {
        P2PEngine a = engine(config("a"));
        DownloadResult r = await(a.start(request(url, true)));
        String base = a.advertisedUrl();
        String task = r.taskId();
        String path = PieceHeaders.piecePath(task, 1);
        var tokens = FakeSupernode.SECRET.hostTokens();
        var grants = FakeSupernode.SECRET.pieceGrants();
        String goodToken = tokens.authorization("b", "GET", path);
        String goodGrant = grants.mint(task, 1, "b");

        assertRefused(base + path, Map.of(), "no valid host token");
        assertRefused(base + path, Map.of("Authorization", goodToken), "no piece grant");
        assertRefused(base + path, Map.of("X-Dfly-Grant", goodGrant), "no valid host token");
        assertRefused(base + path, Map.of("Authorization", "Bearer origin-token", "X-Dfly-Grant", goodGrant), "no valid host token");
        String outsider = ClusterSecret.of("an-outsider-with-its-own-secret").hostTokens().authorization("b", "GET", path);
        assertRefused(base + path, Map.of("Authorization", outsider, "X-Dfly-Grant", goodGrant), "no valid host token");
        String otherPath = tokens.authorization("b", "GET", PieceHeaders.piecePath(task, 2));
        assertRefused(base + path, Map.of("Authorization", otherPath, "X-Dfly-Grant", goodGrant), "no valid host token");
        assertRefused(base + path, Map.of("Authorization", goodToken, "X-Dfly-Grant", grants.mint(task, 2, "b")), "another piece");
        assertRefused(base + path, Map.of("Authorization", goodToken, "X-Dfly-Grant", grants.mint(task, 1, "c")), "another peer");
        String forged = goodGrant.substring(0, goodGrant.length() - 2) + (goodGrant.endsWith("AA") ? "BB" : "AA");
        assertRefused(base + path, Map.of("Authorization", goodToken, "X-Dfly-Grant", forged), "forged");
        String otherClusterGrant = ClusterSecret.of("an-outsider-with-its-own-secret").pieceGrants().mint(task, 1, "b");
        assertRefused(base + path, Map.of("Authorization", goodToken, "X-Dfly-Grant", otherClusterGrant), "forged");
        // whether a piece is held is told to authorized callers only
        assertRefused(base + PieceHeaders.piecePath("b".repeat(64), 0), Map.of(), "no valid host token");
        assertEquals(11, a.metrics().uploadsRefused());
        assertEquals(0, a.metrics().piecesUploaded());

        HttpResponse<byte[]> ok = send(base + path, Map.of("Authorization", goodToken, "X-Dfly-Grant", goodGrant));
        assertEquals(200, ok.statusCode());
        assertArrayEquals(java.util.Arrays.copyOfRange(content, PIECE, 2 * PIECE), ok.body());
    }

    private void assertRefused(String u, Map<String, String> headers, String reason) throws Exception {
        HttpResponse<byte[]> r = send(u, headers);
        assertEquals(403, r.statusCode(), u + " " + headers.keySet());
        JsonNode body = JSON.readTree(r.body());
        assertEquals("forbidden", body.get("error").asText());
        assertTrue(body.get("message").asText().contains(reason), body.toString());
        assertTrue(r.body().length < 400, "an error body, no piece bytes");
    }

    private HttpResponse<byte[]> send(String u, Map<String, String> headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(u));
        headers.forEach(b::header);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    @Test
    void aPeerAskedWithoutAGrantRefusesAndTheDownloaderGetsThePieceElsewhere() throws Exception {
        P2PEngine a = engine(config("a"));
        await(a.start(request(url, true)));
        supernode.withholdPeerGrants = true;
        P2PEngine b = engine(config("b"));
        DownloadResult r = await(b.start(request(url, true)));
        assertArrayEquals(content, Files.readAllBytes(r.file()));
        assertFalse(r.fellBack());
        assertTrue(a.metrics().uploadsRefused() > 0);
        assertEquals(0, a.metrics().piecesUploaded(), "a sent no piece without a grant");
        synchronized (supernode) {
            assertTrue(supernode.reports.stream().anyMatch(p -> !p.success() && p.sourcePeerId().equals("a")
                    && p.reason().contains("HTTP 403") && p.reason().contains("no piece grant")), supernode.reports.toString());
        }
    }

    @Test
    void theUploadPortListensOnlyWhereItIsTold() throws Exception {
        InetAddress other = null;
        for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            for (InetAddress ad : Collections.list(ni.getInetAddresses())) {
                if (ad instanceof Inet4Address && !ad.isLoopbackAddress() && ni.isUp()) {
                    other = ad;
                }
            }
        }
        assumeTrue(other != null, "no non-loopback IPv4 address on this machine");
        P2PEngine a = engine(config("a").uploadBindAddress("127.0.0.1"));
        int port = a.uploadPort();
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
        }
        InetAddress elsewhere = other;
        assertThrows(IOException.class, () -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(elsewhere, port), 1000);
            }
        });
    }

    // ---- origins ----

    private P2PEngine fallbackEngine(OriginPolicy policy) throws IOException {
        return engine(config("a").supernodes(List.of(new HostPort("127.0.0.1", deadPort()))).origins(policy));
    }

    @Test
    void aRedirectToAnotherOriginGetsNoCredentials() throws Exception {
        TestOrigin cdn = closing(new TestOrigin());
        String target = cdn.serve("/blob", content);
        String start = origin.redirect("/r", target);
        DownloadResult r = await(fallbackEngine(OriginPolicy.allowAll()).start(request(start, true)));
        assertArrayEquals(content, Files.readAllBytes(r.file()));
        assertEquals("Bearer origin-token", origin.headersByPath.get("/r").get("Authorization").get(0));
        assertFalse(cdn.lastHeaders.containsKey("Authorization"), "credentials stay with their origin: " + cdn.lastHeaders);
    }

    @Test
    void aRedirectWithinTheOriginKeepsTheCredentials() throws Exception {
        String start = origin.redirect("/same", "/files/blob.bin");
        DownloadResult r = await(fallbackEngine(OriginPolicy.allowAll()).start(request(start, true)));
        assertArrayEquals(content, Files.readAllBytes(r.file()));
        assertEquals("Bearer origin-token", origin.headersByPath.get("/files/blob.bin").get("Authorization").get(0));
    }

    @Test
    void aRedirectToAnInternalAddressIsRefusedNamingTheSetting() throws Exception {
        OriginPolicy policy = OriginPolicy.of(ALLOWED, List.of("127.0.0.1"));
        String start = origin.redirect("/r", "http://127.0.0.2:" + origin.port() + "/files/blob.bin");
        DownloadException e = failure(fallbackEngine(policy).start(request(start, true)));
        assertEquals(DownloadException.Kind.ORIGIN_DENIED, e.kind());
        assertTrue(e.getMessage().contains("127.0.0.2") && e.getMessage().contains(ALLOWED), e.getMessage());
        assertEquals(0, origin.gets.get());
    }

    @Test
    void anInternalFirstUrlIsRefusedAtOnce() {
        P2PEngine a = engine(config("a").origins(OriginPolicy.of(ALLOWED, List.of())));
        DownloadException e = assertThrows(DownloadException.class, () -> a.start(request(url, true)));
        assertEquals(DownloadException.Kind.ORIGIN_DENIED, e.kind());
        assertTrue(e.getMessage().contains("loopback") && e.getMessage().contains(ALLOWED), e.getMessage());
        assertEquals(0, supernode.registrations.get(), "nobody is asked to fetch it");
    }

    @Test
    void redirectsStopAfterFive() throws Exception {
        for (int i = 0; i < 6; i++) {
            origin.redirect("/hop" + i, "/hop" + (i + 1));
        }
        origin.serve("/hop6", content);
        DownloadException e = failure(fallbackEngine(OriginPolicy.allowAll()).start(request(origin.url("/hop0"), true)));
        assertEquals(DownloadException.Kind.ORIGIN_ERROR, e.kind());
        assertTrue(e.getMessage().contains("more than 5"), e.getMessage());

        origin.redirect("/five", "/hop2"); // 5 redirects: fine
        DownloadResult ok = await(fallbackEngine(OriginPolicy.allowAll()).start(request(origin.url("/five"), true)));
        assertEquals(Digests.sha256(content), ok.digest());
    }

    @Test
    void noMessageOrLogLineShowsTheQuery() throws Exception {
        String signed = "?X-Amz-Signature=topsecret&token=hush";
        DownloadException e = failure(fallbackEngine(OriginPolicy.allowAll())
                .start(request(origin.url("/missing") + signed, true)));
        assertEquals(DownloadException.Kind.ORIGIN_NOT_FOUND, e.kind());
        assertTrue(e.getMessage().contains("/missing"), e.getMessage());
        String wrong = Digests.sha256(new byte[]{1});
        DownloadException mismatch = failure(engine(config("b")).start(new DownloadRequest(url + signed, Map.of(), wrong, null, true)));
        assertEquals(DownloadException.Kind.DIGEST_MISMATCH, mismatch.kind());
        DownloadException bad = assertThrows(DownloadException.class,
                () -> engine(config("c")).start(new DownloadRequest("ftp://h/x" + signed, Map.of(), null, null, true)));
        for (String m : List.of(e.getMessage(), mismatch.getMessage(), bad.getMessage(), warnings.toString())) {
            assertFalse(m.contains("topsecret") || m.contains("hush"), m);
        }
        for (LogRecord w : warnings) {
            assertFalse(w.getMessage().contains("topsecret"), w.getMessage());
        }
    }
}
