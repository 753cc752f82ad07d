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
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The mirror in front of a registry without auth, pulled by skopeo (both modes) and containerd's ctr. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NoAuthMirrorTest {
    static final String REPO = "test/app";
    Path work;
    RegistryServer registry;
    OciImage image;
    DflyNode dfdaemon;
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    void setUp() throws Exception {
        assumeTrue(RegistryServer.available() && Skopeo.available(), "docker-registry and skopeo are not installed");
        work = Files.createTempDirectory("dfly-mirror-noauth-");
        registry = new RegistryServer(RegistryServer.Auth.NONE, work.resolve("registry")).start();
        image = OciImage.build(work.resolve("oci"), "v1", 50);
        registry.push(image, REPO + ":v1");
        dfdaemon = DflyNode.dfdaemon(Map.of("dfly.dfdaemon.registry", registry.url())).start();
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
        Skopeo.copy(null, "docker://" + dfdaemon.hostPort() + "/" + REPO + ":v1", out).ok("skopeo copy via dfdaemon");
        assertEquals(image.manifestDigest(), Skopeo.manifestDigest(out));
        assertTrue(Files.size(out.resolve(image.bigLayer().digest().substring(7))) == image.bigLayer().size());
        List<RegistryServer.Access> seen = registry.since(before, REPO);
        assertTrue(seen.stream().allMatch(RegistryServer.Access::fromDfly), "only dfly talks to the origin: " + seen);
        assertTrue(seen.stream().anyMatch(a -> a.path().contains(image.bigLayer().digest())),
                "the big layer was asked for through dfly: " + seen);
        assertBigLayerFetchedOnce();
    }

    @Test
    void skopeoWithRegistriesConfMirror() throws Exception {
        int before = registry.accesses().size();
        Path conf = Skopeo.mirrorConf(work.resolve("registries.conf"), registry.hostPort(), dfdaemon.hostPort());
        Path out = work.resolve("out-mirror");
        Skopeo.copy(conf, "docker://" + registry.hostPort() + "/" + REPO + ":v1", out).ok("skopeo copy with mirror");
        assertEquals(image.manifestDigest(), Skopeo.manifestDigest(out));
        List<RegistryServer.Access> seen = registry.since(before, REPO);
        assertFalse(seen.isEmpty(), "the origin was asked through the mirror");
        assertTrue(seen.stream().allMatch(RegistryServer.Access::fromDfly),
                "skopeo must not have fallen back to the origin: " + seen);
        assertBigLayerFetchedOnce();
    }

    @Test
    void containerdWithHostsTomlMirror() throws Exception {
        assumeTrue(Containerd.available(), "containerd/ctr not installed");
        int before = registry.accesses().size();
        try (Containerd containerd = new Containerd(work.resolve("containerd")).start()) {
            Path hosts = Containerd.hostsDir(work.resolve("certs.d"), registry.hostPort(), dfdaemon.baseUrl());
            containerd.ctr("images", "pull", "--hosts-dir", hosts.toString(), registry.hostPort() + "/" + REPO + ":v1")
                    .ok("ctr images pull");
            String list = containerd.ctr("images", "ls").ok("ctr images ls").output();
            assertTrue(list.contains(image.manifestDigest()), "pulled image has the origin's manifest digest: " + list);
        }
        List<RegistryServer.Access> seen = registry.since(before, REPO);
        assertFalse(seen.isEmpty());
        assertTrue(seen.stream().allMatch(RegistryServer.Access::fromDfly),
                "containerd must not have fallen back to the origin: " + seen);
        assertBigLayerFetchedOnce();
        String log = dfdaemon.log();
        assertFalse(log.contains("cannot serve"), "no internal mirror errors");
    }

    /** Whatever the order of the pulls, the big layer's bytes left the origin once: later pulls hit dfly's cache. */
    void assertBigLayerFetchedOnce() {
        assertEquals(1, registry.blobGets(REPO, image.bigLayer().digest()), "complete GETs of the big layer at the origin");
    }

    @Test
    void registryApiDetails() throws Exception {
        String base = dfdaemon.baseUrl() + "/v2/";
        HttpResponse<String> ping = http.send(HttpRequest.newBuilder(URI.create(base)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, ping.statusCode());

        HttpResponse<Void> head = http.send(HttpRequest.newBuilder(URI.create(base + REPO + "/manifests/v1"))
                .header("Accept", "application/vnd.oci.image.manifest.v1+json")
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
        assertEquals(200, head.statusCode());
        assertEquals(image.manifestDigest(), head.headers().firstValue("docker-content-digest").orElse(null));
        assertEquals("application/vnd.oci.image.manifest.v1+json", head.headers().firstValue("content-type").orElse(null));
        assertTrue(head.headers().firstValueAsLong("content-length").orElse(0) > 100, "HEAD keeps Content-Length: " + head.headers());

        HttpResponse<byte[]> range = http.send(HttpRequest.newBuilder(URI.create(base + REPO + "/blobs/" + image.bigLayer().digest()))
                .header("Range", "bytes=10-19").build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(206, range.statusCode());
        assertEquals(10, range.body().length);

        HttpResponse<String> missing = http.send(HttpRequest.newBuilder(URI.create(base + REPO + "/manifests/nope")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(404, missing.statusCode());
        assertTrue(missing.body().contains("MANIFEST_UNKNOWN"), missing.body());

        HttpResponse<String> tags = http.send(HttpRequest.newBuilder(URI.create(base + REPO + "/tags/list")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, tags.statusCode());
        assertTrue(tags.body().contains("\"v1\""), tags.body());

        HttpResponse<String> push = http.send(HttpRequest.newBuilder(URI.create(base + REPO + "/blobs/uploads/"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(405, push.statusCode());
        assertTrue(push.body().contains("\"code\":\"UNSUPPORTED\""), push.body());
    }
}
