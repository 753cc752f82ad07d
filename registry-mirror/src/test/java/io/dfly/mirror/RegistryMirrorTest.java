package io.dfly.mirror;

import io.dfly.plugin.registry.generic.GenericRegistryPlugin;
import io.dfly.spi.AuthProvider;
import io.dfly.spi.Credentials;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RegistryMirrorTest {
    FakeRegistry registry;
    final DirectDownloader engine = new DirectDownloader();

    @AfterEach
    void stop() {
        if (registry != null) {
            registry.close();
        }
    }

    RegistryMirror mirror(FakeRegistry r, long p2pMin, List<AuthProvider> providers) {
        MirrorConfig c = new MirrorConfig(r.url(), List.of(), List.of("127.0.0.1"), p2pMin, true);
        return RegistryMirror.create(c, List.of(new GenericRegistryPlugin()), providers, k -> Optional.empty(), () -> engine);
    }

    static MirrorRequest get(String path, Map<String, List<String>> headers) {
        return new MirrorRequest("GET", path, Map.of(), headers);
    }

    static byte[] body(MirrorResponse r) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (r.body() != null) {
            r.body().writeTo(out);
        }
        return out.toByteArray();
    }

    @Test
    void largeBlobGoesThroughTheDownloaderKeyedByDigest() throws Exception {
        registry = new FakeRegistry(FakeRegistry.Auth.BASIC, 300_000);
        RegistryMirror m = mirror(registry, 1000, List.of());
        MirrorResponse r = m.handle(get("lib/app/blobs/" + registry.blobDigest, Map.of("Authorization", List.of(FakeRegistry.BASIC))));
        assertEquals(200, r.status());
        assertEquals(String.valueOf(registry.blob.length), r.header("Content-Length"));
        assertEquals(registry.blobDigest, r.header("Docker-Content-Digest"));
        assertArrayEquals(registry.blob, body(r));
        assertEquals(1, engine.requests.size());
        assertEquals(registry.blobDigest, engine.requests.get(0).digest());
        assertEquals(registry.url() + "/v2/lib/app/blobs/" + registry.blobDigest, engine.requests.get(0).url());
        assertEquals(FakeRegistry.BASIC, engine.requests.get(0).headers().get("Authorization"), "engine gets upstream auth");
        assertTrue(!engine.requests.get(0).toString().contains(FakeRegistry.BASIC.substring(6)));
    }

    @Test
    void smallBlobAndRangePassStraightThrough() throws Exception {
        registry = new FakeRegistry(FakeRegistry.Auth.NONE, 500);
        RegistryMirror m = mirror(registry, 1000, List.of());
        assertArrayEquals(registry.blob, body(m.handle(get("lib/app/blobs/" + registry.blobDigest, Map.of()))));
        MirrorResponse ranged = m.handle(get("lib/app/blobs/" + registry.blobDigest, Map.of("Range", List.of("bytes=100-"))));
        assertEquals(206, ranged.status());
        assertEquals(400, body(ranged).length);
        assertTrue(engine.requests.isEmpty());
    }

    @Test
    void noOrWrongCredentialsGetUpstreams401AndNothingIsFetched() throws Exception {
        registry = new FakeRegistry(FakeRegistry.Auth.BASIC, 300_000);
        RegistryMirror m = mirror(registry, 1000, List.of());
        for (Map<String, List<String>> h : List.of(Map.<String, List<String>>of(), Map.of("Authorization", List.of("Basic Og==")))) {
            MirrorResponse r = m.handle(get("lib/app/blobs/" + registry.blobDigest, h));
            assertEquals(401, r.status());
            assertEquals("Basic realm=\"fake\"", r.header("WWW-Authenticate"));
            assertTrue(new String(body(r), StandardCharsets.UTF_8).contains("UNAUTHORIZED"));
        }
        assertTrue(engine.requests.isEmpty(), "nothing went to P2P");
    }

    @Test
    void corruptOriginBytesAreNeverCompletedAsGood() throws Exception {
        registry = new FakeRegistry(FakeRegistry.Auth.NONE, 300_000);
        registry.corrupt = true;
        RegistryMirror m = mirror(registry, 1000, List.of());
        MirrorResponse r = m.handle(get("lib/app/blobs/" + registry.blobDigest, Map.of()));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThrows(IOException.class, () -> r.body().writeTo(out));
        assertTrue(out.size() < registry.blob.length, "the response is short (aborted), not complete");
    }

    @Test
    void p2pFailuresFallBackToTheOrigin() throws Exception {
        registry = new FakeRegistry(FakeRegistry.Auth.NONE, 300_000);
        RegistryMirror m = mirror(registry, 1000, List.of());
        engine.failToStart = true;
        assertArrayEquals(registry.blob, body(m.handle(get("lib/app/blobs/" + registry.blobDigest, Map.of()))));
        engine.failToStart = false;
        engine.failAfterBytes = 100_000;
        assertArrayEquals(registry.blob, body(m.handle(get("lib/app/blobs/" + registry.blobDigest, Map.of()))),
                "the rest comes from the origin with a Range request");
    }

    @Test
    void aVouchingEngineStreamIsServedAndSplicedOntoTheOriginWithItsPiecesCheckedAgain() throws Exception {
        registry = new FakeRegistry(FakeRegistry.Auth.NONE, 300_000);
        RegistryMirror m = mirror(registry, 1000, List.of());
        engine.vouch = true;
        assertArrayEquals(registry.blob, body(m.handle(get("lib/app/blobs/" + registry.blobDigest, Map.of()))));
        engine.failAfterBytes = 100_000; // inside the second 64 KiB piece
        assertArrayEquals(registry.blob, body(m.handle(get("lib/app/blobs/" + registry.blobDigest, Map.of()))),
                "the rest comes from the origin, read from byte 0 to check what was sent");
    }

    @Test
    void bytesAVouchingStreamSentThatTheOriginDoesNotHaveAreNeverCompleted() throws Exception {
        registry = new FakeRegistry(FakeRegistry.Auth.NONE, 300_000);
        RegistryMirror m = mirror(registry, 1000, List.of());
        engine.vouch = true;
        engine.flipByte = 70_000; // a bad copy upstream, consistent with its own piece digests
        engine.failAfterBytes = 100_000;
        MirrorResponse r = m.handle(get("lib/app/blobs/" + registry.blobDigest, Map.of()));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThrows(IOException.class, () -> r.body().writeTo(out));
        assertTrue(out.size() < registry.blob.length, "aborted, not completed with the origin's bytes");
        engine.failAfterBytes = -1; // the stream ends but vouches for nothing
        MirrorResponse r2 = m.handle(get("lib/app/blobs/" + registry.blobDigest, Map.of()));
        ByteArrayOutputStream out2 = new ByteArrayOutputStream();
        assertThrows(IOException.class, () -> r2.body().writeTo(out2));
        assertTrue(out2.size() < registry.blob.length);
    }

    @Test
    void manifestsPassAcceptAndDigestHeaders() throws Exception {
        registry = new FakeRegistry(FakeRegistry.Auth.NONE, 10);
        RegistryMirror m = mirror(registry, 1000, List.of());
        MirrorResponse r = m.handle(new MirrorRequest("HEAD", "lib/app/manifests/v1", Map.of(),
                Map.of("Accept", List.of("application/vnd.oci.image.manifest.v1+json", "application/vnd.docker.distribution.manifest.v2+json"))));
        assertEquals(200, r.status());
        assertEquals(registry.manifestDigest, r.header("Docker-Content-Digest"));
        assertEquals(String.valueOf(registry.manifest.length), r.header("Content-Length"));
        assertEquals("application/vnd.oci.image.manifest.v1+json", r.header("Content-Type"));
        assertNull(r.body());
        assertEquals("application/vnd.oci.image.manifest.v1+json|application/vnd.docker.distribution.manifest.v2+json", registry.lastAccept);
        assertArrayEquals(registry.manifest, body(m.handle(get("lib/app/manifests/" + registry.manifestDigest, Map.of()))));
    }

    @Test
    void pushesAndBadNamesAreRefusedInRegistryFormat() throws Exception {
        registry = new FakeRegistry(FakeRegistry.Auth.NONE, 10);
        RegistryMirror m = mirror(registry, 1000, List.of());
        MirrorResponse push = m.handle(new MirrorRequest("PUT", "lib/app/manifests/v1", Map.of(), Map.of()));
        assertEquals(405, push.status());
        assertTrue(new String(body(push), StandardCharsets.UTF_8).startsWith("{\"errors\":[{\"code\":\"UNSUPPORTED\""));
        assertEquals(400, m.handle(get("Bad_Name/manifests/v1", Map.of())).status());
        assertEquals(404, m.handle(get("lib/app/blobs/" + "sha256:" + "0".repeat(64), Map.of())).status());
    }

    @Test
    void configuredCredentialsDoTheTokenExchangeOnceAndCacheIt() throws Exception {
        registry = new FakeRegistry(FakeRegistry.Auth.BEARER, 300_000);
        AuthProvider provider = new AuthProvider() {
            public String name() { return "test"; }
            public Optional<Credentials> credentialsFor(String host) {
                return host.equals(registry.hostPort()) ? Optional.of(new Credentials("u", "p")) : Optional.empty();
            }
        };
        RegistryMirror m = mirror(registry, 1000, List.of(provider));
        assertEquals(200, m.handle(get("", Map.of())).status());
        MirrorResponse manifest = m.handle(get("lib/app/manifests/v1", Map.of()));
        assertEquals(200, manifest.status());
        body(manifest);
        assertArrayEquals(registry.blob, body(m.handle(get("lib/app/blobs/" + registry.blobDigest, Map.of()))));
        assertArrayEquals(registry.blob, body(m.handle(get("lib/app/blobs/" + registry.blobDigest, Map.of()))));
        assertEquals(2, registry.tokenRequests.get(), "one token for /v2/, one for the repository scope, then cached");
        registry.tokens.clear(); // upstream forgets its tokens: the cached one is refused, a new one is fetched
        assertEquals(200, m.handle(get("lib/app/manifests/v1", Map.of())).status());
        assertEquals(3, registry.tokenRequests.get());
        String engineAuth = engine.requests.get(0).headers().get("Authorization");
        assertNotNull(engineAuth);
        assertTrue(engineAuth.startsWith("Bearer tok"), "engine gets the exchanged token, not the password");
    }

    @Test
    void clientsOwnAuthorizationWinsOverConfiguredCredentials() throws Exception {
        registry = new FakeRegistry(FakeRegistry.Auth.BASIC, 10);
        AuthProvider provider = new AuthProvider() {
            public String name() { return "test"; }
            public Optional<Credentials> credentialsFor(String host) { return Optional.of(new Credentials("u", "p")); }
        };
        RegistryMirror m = mirror(registry, 1000, List.of(provider));
        assertEquals(401, m.handle(get("lib/app/manifests/v1", Map.of("Authorization", List.of("Basic d3Jvbmc6d3Jvbmc=")))).status());
        assertEquals(200, m.handle(get("lib/app/manifests/v1", Map.of())).status());
    }

    @Test
    void nsThatIsNotARegistryHostIsRefusedAndNothingIsFetched() throws Exception {
        registry = new FakeRegistry(FakeRegistry.Auth.NONE, 300_000);
        RegistryMirror m = mirror(registry, 1000, List.of());
        for (List<String> ns : List.of(List.of(registry.url()), List.of(registry.hostPort() + "/v2"),
                List.of("u:SECRETPW@" + registry.hostPort()), List.of(registry.hostPort() + "?X-Amz-Signature=SECRETSIG"),
                List.of(registry.hostPort(), "docker.io"))) {
            MirrorResponse r = m.handle(new MirrorRequest("GET", "lib/app/blobs/" + registry.blobDigest, Map.of("ns", ns), Map.of()));
            assertEquals(400, r.status(), ns.toString());
            String text = new String(body(r), StandardCharsets.UTF_8);
            assertTrue(text.startsWith("{\"errors\":[{\"code\":\"NAME_INVALID\",\"message\":\"ns must be a registry host[:port]\""), text);
            assertFalse(text.contains("SECRET"), text);
        }
        assertEquals(0, registry.requests.get(), "nothing was fetched");
        assertTrue(engine.requests.isEmpty());
        MirrorResponse ok = m.handle(new MirrorRequest("GET", "lib/app/blobs/" + registry.blobDigest,
                Map.of("ns", List.of(registry.hostPort())), Map.of()));
        assertArrayEquals(registry.blob, body(ok), "a plain host[:port] still routes");
    }
}
