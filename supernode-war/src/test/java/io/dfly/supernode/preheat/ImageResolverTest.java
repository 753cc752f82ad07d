package io.dfly.supernode.preheat;

import com.sun.net.httpserver.HttpServer;
import io.dfly.supernode.TestSecrets;
import io.dfly.supernode.cdn.OriginClient;
import io.dfly.supernode.cdn.OriginFailure;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageResolverTest {
    private static final String ARM64 = "sha256:" + "1".repeat(64);
    private static final String ARMV7 = "sha256:" + "2".repeat(64);
    private static final String AMD64 = "sha256:" + "3".repeat(64);
    private final Map<String, String> bodies = new ConcurrentHashMap<>();
    private final Map<String, String> accepts = new ConcurrentHashMap<>();
    private final Map<String, String> auth = new ConcurrentHashMap<>();
    private HttpServer registry;

    @BeforeEach
    void setUp() throws Exception {
        registry = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
        registry.createContext("/", ex -> {
            String path = ex.getRequestURI().getPath();
            accepts.put(path, String.valueOf(ex.getRequestHeaders().getFirst("Accept")));
            auth.put(path, String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
            String body = bodies.get(path);
            if (body == null) {
                ex.sendResponseHeaders(404, -1);
            } else {
                byte[] b = body.getBytes(StandardCharsets.UTF_8);
                ex.sendResponseHeaders(200, b.length);
                ex.getResponseBody().write(b);
            }
            ex.close();
        });
        registry.start();
        bodies.put("/v2/lib/app/manifests/v1", "{\"schemaVersion\":2,"
                + "\"mediaType\":\"application/vnd.docker.distribution.manifest.list.v2+json\",\"manifests\":["
                + "{\"digest\":\"" + AMD64 + "\",\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}},"
                + "{\"digest\":\"" + ARM64 + "\",\"platform\":{\"architecture\":\"arm64\",\"os\":\"linux\"}},"
                + "{\"digest\":\"" + ARMV7 + "\",\"platform\":{\"architecture\":\"arm\",\"os\":\"linux\",\"variant\":\"v7\"}}]}");
        bodies.put("/v2/lib/app/manifests/" + ARM64, manifest("a", "b"));
        bodies.put("/v2/lib/app/manifests/" + ARMV7, manifest("c", "b"));
        bodies.put("/v2/lib/app/manifests/" + AMD64, manifest("d", "e"));
    }

    private static String manifest(String config, String layer) {
        return "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\","
                + "\"config\":{\"digest\":\"sha256:" + config.repeat(64) + "\"},"
                + "\"layers\":[{\"digest\":\"sha256:" + layer.repeat(64) + "\"}]}";
    }

    @AfterEach
    void tearDown() {
        registry.stop(0);
    }

    private String base() {
        return "http://127.0.0.1:" + registry.getAddress().getPort();
    }

    @Test
    void aManifestListYieldsTheConfiguredPlatformsBlobsOnce() throws Exception {
        ImageResolver r = new ImageResolver(new OriginClient(Duration.ofSeconds(2), TestSecrets.LOOPBACK_ALLOWED), List.of("linux/arm64", "linux/arm/v7"));
        List<BlobRef> blobs = r.resolve(base() + "/v2/lib/app/manifests/v1", Map.of("Authorization", "Bearer tok"));
        assertEquals(List.of("sha256:" + "a".repeat(64), "sha256:" + "b".repeat(64), "sha256:" + "c".repeat(64)),
                blobs.stream().map(BlobRef::digest).toList(), "config and layers of both platforms, the shared layer once");
        assertEquals(base() + "/v2/lib/app/blobs/sha256:" + "a".repeat(64), blobs.get(0).url());
        String accept = accepts.get("/v2/lib/app/manifests/v1");
        assertTrue(accept.contains("application/vnd.docker.distribution.manifest.list.v2+json")
                && accept.contains("application/vnd.oci.image.index.v1+json")
                && accept.contains("application/vnd.docker.distribution.manifest.v2+json")
                && accept.contains("application/vnd.oci.image.manifest.v1+json"), accept);
        assertEquals("Bearer tok", auth.get("/v2/lib/app/manifests/" + ARM64));
        assertEquals(null, accepts.get("/v2/lib/app/manifests/" + AMD64), "other platforms are not fetched");
    }

    @Test
    void aSingleManifestIsUsedAsIs() throws Exception {
        ImageResolver r = new ImageResolver(new OriginClient(Duration.ofSeconds(2), TestSecrets.LOOPBACK_ALLOWED), List.of("linux/amd64"));
        List<BlobRef> blobs = r.resolve(base() + "/v2/lib/app/manifests/" + AMD64, Map.of());
        assertEquals(2, blobs.size());
    }

    @Test
    void errorsSayWhatIsWrong() {
        ImageResolver r = new ImageResolver(new OriginClient(Duration.ofSeconds(2), TestSecrets.LOOPBACK_ALLOWED), List.of("windows/amd64"));
        assertEquals("no_platform", assertThrows(OriginFailure.class,
                () -> r.resolve(base() + "/v2/lib/app/manifests/v1", Map.of())).code());
        assertEquals(404, assertThrows(OriginFailure.class,
                () -> r.resolve(base() + "/v2/lib/app/manifests/missing", Map.of())).httpStatus());
        assertEquals(400, assertThrows(OriginFailure.class,
                () -> r.resolve(base() + "/files/app.tar", Map.of())).httpStatus());
    }
}
