package io.dfly.it.mirror;

import io.dfly.it.harness.DflyNode;
import io.dfly.it.registry.Containerd;
import io.dfly.it.registry.OciImage;
import io.dfly.it.registry.Procs;
import io.dfly.it.registry.RegistryServer;
import io.dfly.it.registry.Skopeo;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The mirror in front of a registry that requires auth, in passthrough mode: challenges reach the
 * clients unchanged, clients log in themselves and the mirror forwards their Authorization.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class AuthMirrorTestBase {
    static final String REPO = "test/app";
    static final String PRIVATE = "test/private";
    Path work;
    RegistryServer registry;
    OciImage image;
    OciImage privateImage;
    DflyNode dfdaemon;
    final HttpClient http = HttpClient.newHttpClient();

    abstract RegistryServer.Auth mode();

    @BeforeAll
    void setUp() throws Exception {
        assumeTrue(RegistryServer.available() && Skopeo.available(), "docker-registry and skopeo are not installed");
        work = Files.createTempDirectory("dfly-mirror-" + mode().name().toLowerCase() + "-");
        registry = new RegistryServer(mode(), work.resolve("registry")).start();
        image = OciImage.build(work.resolve("oci"), "v1", 50);
        registry.push(image, REPO + ":v1");
        privateImage = OciImage.build(work.resolve("oci-private"), "v1", 2);
        registry.push(privateImage, PRIVATE + ":v1");
        dfdaemon = DflyNode.dfdaemon(Map.of("dfly.dfdaemon.registry", registry.url(),
                "dfly.dfdaemon.p2p-min-size", "1MiB")).start();
    }

    @AfterAll
    void tearDown() {
        Procs.closeAll(dfdaemon, registry);
        Procs.deleteTree(work);
    }

    @Test
    void skopeoWithDfdaemonAsRegistryHost() throws Exception {
        int before = registry.accesses().size();
        Path out = work.resolve("out-host");
        Skopeo.copy(null, "docker://" + dfdaemon.hostPort() + "/" + REPO + ":v1", out,
                "--src-creds=" + RegistryServer.USER + ":" + RegistryServer.PASSWORD).ok("skopeo copy via dfdaemon");
        assertEquals(image.manifestDigest(), Skopeo.manifestDigest(out));
        List<RegistryServer.Access> seen = registry.since(before, REPO);
        assertTrue(seen.stream().allMatch(RegistryServer.Access::fromDfly), "only dfly talks to the origin: " + seen);
        assertTrue(registry.blobGets(REPO, image.bigLayer().digest()) <= 1, "big layer left the origin at most once");
    }

    @Test
    void skopeoWithRegistriesConfMirrorAndAuthFile() throws Exception {
        int before = registry.accesses().size();
        Path conf = Skopeo.mirrorConf(work.resolve("registries.conf"), registry.hostPort(), dfdaemon.hostPort());
        Path auth = Skopeo.authFile(work.resolve("auth.json"), RegistryServer.USER, RegistryServer.PASSWORD,
                dfdaemon.hostPort(), registry.hostPort());
        Path out = work.resolve("out-mirror");
        Skopeo.copy(conf, "docker://" + registry.hostPort() + "/" + REPO + ":v1", out, "--src-authfile=" + auth)
                .ok("skopeo copy with mirror");
        assertEquals(image.manifestDigest(), Skopeo.manifestDigest(out));
        List<RegistryServer.Access> seen = registry.since(before, REPO);
        assertFalse(seen.isEmpty(), "the origin was asked through the mirror");
        assertTrue(seen.stream().allMatch(RegistryServer.Access::fromDfly), "skopeo did not fall back to the origin: " + seen);
        assertTrue(registry.blobGets(REPO, image.bigLayer().digest()) <= 1, "big layer left the origin at most once");
    }

    @Test
    void containerdWithHostsTomlMirror() throws Exception {
        assumeTrue(Containerd.available(), "containerd/ctr not installed");
        int before = registry.accesses().size();
        try (Containerd containerd = new Containerd(work.resolve("containerd")).start()) {
            Path hosts = Containerd.hostsDir(work.resolve("certs.d"), registry.hostPort(), dfdaemon.baseUrl());
            containerd.ctr("images", "pull", "--hosts-dir", hosts.toString(),
                    "--user", RegistryServer.USER + ":" + RegistryServer.PASSWORD,
                    registry.hostPort() + "/" + REPO + ":v1").ok("ctr images pull");
            String list = containerd.ctr("images", "ls").ok("ctr images ls").output();
            assertTrue(list.contains(image.manifestDigest()), "pulled image has the origin's manifest digest: " + list);
        }
        List<RegistryServer.Access> seen = registry.since(before, REPO);
        assertFalse(seen.isEmpty());
        assertTrue(seen.stream().allMatch(RegistryServer.Access::fromDfly), "containerd did not fall back: " + seen);
        assertTrue(registry.blobGets(REPO, image.bigLayer().digest()) <= 1, "big layer left the origin at most once");
    }

    @Test
    void challengeReachesTheClientUnchanged() throws Exception {
        HttpResponse<String> direct = http.send(HttpRequest.newBuilder(URI.create(registry.url() + "/v2/")).build(),
                HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> mirrored = http.send(HttpRequest.newBuilder(URI.create(dfdaemon.baseUrl() + "/v2/")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(401, mirrored.statusCode());
        assertEquals(direct.headers().firstValue("www-authenticate"), mirrored.headers().firstValue("www-authenticate"));
    }

    @Test
    void wrongPasswordGets401AndNothingIsFetched() throws Exception {
        Procs.Result r = Skopeo.copy(null, "docker://" + dfdaemon.hostPort() + "/" + PRIVATE + ":v1",
                work.resolve("out-wrong"), "--src-creds=" + RegistryServer.USER + ":wrong");
        assertNotEquals(0, r.exitCode(), "pull with a wrong password must fail");
        String wrong = mode() == RegistryServer.Auth.BASIC
                ? "Basic " + Base64.getEncoder().encodeToString((RegistryServer.USER + ":wrong").getBytes())
                : "Bearer not-a-valid-token";
        OciImage.Blob big = privateImage.bigLayer();
        HttpResponse<byte[]> blob = getBlob(PRIVATE, big.digest(), wrong);
        assertEquals(401, blob.statusCode());
        assertTrue(blob.body().length < 1000, "no blob bytes in the answer");
        assertEquals(0, registry.blobGets(PRIVATE, big.digest()), "nothing fetched from the origin");
        assertFalse(dfdaemon.log().contains(big.digest() + " (" + big.size() + " bytes) served"), "nothing served");
    }

    @Test
    void clientWithoutCredentialsCannotReadABlobCachedOnItsHost() throws Exception {
        OciImage.Blob big = image.bigLayer();
        HttpResponse<byte[]> good = getBlob(REPO, big.digest(), authorization(REPO));
        assertEquals(200, good.statusCode());
        assertEquals(big.size(), good.body().length);
        for (String auth : new String[]{null, anonymousAuthorization(REPO)}) {
            HttpResponse<byte[]> denied = getBlob(REPO, big.digest(), auth);
            assertEquals(401, denied.statusCode(), "without valid credentials (" + (auth == null ? "none" : "anonymous") + ")");
            assertTrue(denied.body().length < 1000);
            assertTrue(denied.headers().firstValue("www-authenticate").isPresent(), "the client is told how to log in");
        }
    }

    HttpResponse<byte[]> getBlob(String repo, String digest, String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(dfdaemon.baseUrl() + "/v2/" + repo + "/blobs/" + digest));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /** What a logged-in client sends: Basic credentials, or a token from the realm. */
    String authorization(String repo) throws Exception {
        if (mode() == RegistryServer.Auth.BASIC) {
            return "Basic " + Base64.getEncoder().encodeToString((RegistryServer.USER + ":" + RegistryServer.PASSWORD).getBytes());
        }
        return "Bearer " + token(repo, "Basic " + Base64.getEncoder().encodeToString(
                (RegistryServer.USER + ":" + RegistryServer.PASSWORD).getBytes()));
    }

    /** What an anonymous client sends: nothing (Basic) or an anonymous token (Bearer). */
    String anonymousAuthorization(String repo) throws Exception {
        if (mode() == RegistryServer.Auth.BASIC) {
            return "Basic Og=="; // skopeo's empty credentials
        }
        return "Bearer " + token(repo, null);
    }

    String token(String repo, String basic) throws Exception {
        String url = registry.tokenServer().realm() + "?service=" + registry.tokenServer().service() + "&scope="
                + URLEncoder.encode("repository:" + repo + ":pull", StandardCharsets.UTF_8);
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url));
        if (basic != null) {
            b.header("Authorization", basic);
        }
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        Matcher m = Pattern.compile("\"token\":\"([^\"]+)\"").matcher(r.body());
        assertTrue(m.find());
        return m.group(1);
    }
}
