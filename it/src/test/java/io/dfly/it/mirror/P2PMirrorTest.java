package io.dfly.it.mirror;

import io.dfly.it.harness.DflyNode;
import io.dfly.it.registry.OciImage;
import io.dfly.it.registry.Procs;
import io.dfly.it.registry.RegistryServer;
import io.dfly.it.registry.Skopeo;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Two dfdaemons and one supernode in front of a token-auth registry (p2p-min-size 0: every blob goes P2P):
 * the second host's pull takes the big
 * layer from the first host's pieces, the origin sends each layer once, and a client without credentials
 * gets nothing from a blob cached on its own host or on a peer.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class P2PMirrorTest {
    static final String REPO = "team/app";
    static final String PRIVATE = "team/secret";
    Path work;
    RegistryServer registry;
    OciImage image;
    OciImage secret;
    DflyNode supernode;
    DflyNode hostA;
    DflyNode hostB;
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    void setUp() throws Exception {
        assumeTrue(RegistryServer.available() && Skopeo.available(), "docker-registry and skopeo are not installed");
        work = Files.createTempDirectory("dfly-mirror-p2p-");
        registry = new RegistryServer(RegistryServer.Auth.TOKEN, work.resolve("registry")).start();
        image = OciImage.build(work.resolve("oci"), "v1", 50);
        registry.push(image, REPO + ":v1");
        secret = OciImage.build(work.resolve("oci-secret"), "v1", 8);
        registry.push(secret, PRIVATE + ":v1");
        supernode = DflyNode.supernode(Map.of()).start();
        Map<String, String> dd = Map.of("dfly.dfdaemon.registry", registry.url(),
                "dfly.dfdaemon.supernodes", supernode.hostPort(), "dfly.dfdaemon.p2p-min-size", "0");
        hostA = DflyNode.dfdaemon(dd).start();
        hostB = DflyNode.dfdaemon(dd).start();
    }

    @AfterAll
    void tearDown() {
        Procs.closeAll(hostB, hostA, supernode, registry);
        Procs.deleteTree(work);
    }

    @Test
    @Order(1)
    void secondHostTakesTheLayerFromTheFirstHostsPieces() throws Exception {
        int before = registry.accesses().size();
        String creds = "--src-creds=" + RegistryServer.USER + ":" + RegistryServer.PASSWORD;
        Path outA = work.resolve("out-a");
        Skopeo.copy(null, "docker://" + hostA.hostPort() + "/" + REPO + ":v1", outA, creds).ok("pull on host A");
        assertEquals(image.manifestDigest(), Skopeo.manifestDigest(outA));
        Path outB = work.resolve("out-b");
        Skopeo.copy(null, "docker://" + hostB.hostPort() + "/" + REPO + ":v1", outB, creds).ok("pull on host B");
        assertEquals(image.manifestDigest(), Skopeo.manifestDigest(outB));

        for (OciImage.Blob layer : image.layers()) {
            assertEquals(1, registry.blobGets(REPO, layer.digest()), "origin sent layer " + layer.digest() + " once");
        }
        var notDfly = registry.since(before, REPO).stream().filter(a -> !a.fromDfly()).toList();
        assertTrue(notDfly.isEmpty(), "only dfly talks to the origin: " + notDfly);
        OciImage.Blob big = image.bigLayer();
        long fromPeers = servedFromPeers(hostB, big);
        assertTrue(fromPeers > 0, "host B took pieces of the big layer from host A (fromPeers=" + fromPeers + ")\n"
                + hostB.tail(40));
    }

    @Test
    @Order(2)
    void clientWithoutCredentialsGetsNothingCachedHereOrOnAPeer() throws Exception {
        OciImage.Blob big = secret.bigLayer();
        // a legitimate client pulls the private layer through host A: now A and the supernode hold it
        HttpResponse<byte[]> ok = getBlob(hostA, PRIVATE, big.digest(), "Bearer " + token(PRIVATE, true));
        assertEquals(200, ok.statusCode());
        assertEquals(big.size(), ok.body().length);
        assertEquals(1, registry.blobGets(PRIVATE, big.digest()));
        for (DflyNode host : new DflyNode[]{hostA, hostB}) {
            for (String auth : new String[]{null, "Bearer " + token(PRIVATE, false), "Bearer forged.token.value"}) {
                HttpResponse<byte[]> r = getBlob(host, PRIVATE, big.digest(), auth);
                assertEquals(401, r.statusCode(), "host " + host.hostPort() + ", auth " + (auth == null ? "none" : auth.substring(0, 12)));
                assertTrue(r.body().length < 1000, "no blob bytes");
            }
        }
        assertFalse(hostB.log().contains(big.digest() + " (" + big.size() + " bytes) served"), "host B served nothing");
        assertEquals(1, registry.blobGets(PRIVATE, big.digest()), "nothing more fetched from the origin");
        for (DflyNode n : new DflyNode[]{hostA, hostB, supernode}) {
            assertFalse(n.log().contains(RegistryServer.PASSWORD), "no credentials in logs");
            assertFalse(n.log().contains("Bearer ey"), "no tokens in logs");
        }
    }

    static long servedFromPeers(DflyNode host, OciImage.Blob blob) {
        Matcher m = Pattern.compile(Pattern.quote(blob.digest()) + " \\(\\d+ bytes\\) served through P2P: fromPeers=(\\d+)")
                .matcher(host.log());
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    HttpResponse<byte[]> getBlob(DflyNode host, String repo, String digest, String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(host.baseUrl() + "/v2/" + repo + "/blobs/" + digest));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    String token(String repo, boolean withCredentials) throws Exception {
        String url = registry.tokenServer().realm() + "?service=" + registry.tokenServer().service() + "&scope="
                + URLEncoder.encode("repository:" + repo + ":pull", StandardCharsets.UTF_8);
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url));
        if (withCredentials) {
            b.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                    (RegistryServer.USER + ":" + RegistryServer.PASSWORD).getBytes()));
        }
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        Matcher m = Pattern.compile("\"token\":\"([^\"]+)\"").matcher(r.body());
        assertTrue(m.find(), r.body());
        return m.group(1);
    }
}
