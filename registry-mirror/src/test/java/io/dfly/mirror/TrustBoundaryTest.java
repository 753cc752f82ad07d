package io.dfly.mirror;

import io.dfly.core.download.DownloadRequest;
import io.dfly.core.security.OriginPolicy;
import io.dfly.core.task.TaskIds;
import io.dfly.plugin.registry.generic.GenericRegistryPlugin;
import io.dfly.spi.AuthProvider;
import io.dfly.spi.Credentials;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Level;

import static io.dfly.mirror.RegistryMirrorTest.body;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The mirror's trust boundaries (issue 10): per-pull authorization, tasks scoped by registry, origin policy, no secret shown. */
class TrustBoundaryTest {
    final List<FakeRegistry> registries = new ArrayList<>();
    final DirectDownloader engine = new DirectDownloader();

    @AfterEach
    void stop() {
        registries.forEach(FakeRegistry::close);
    }

    FakeRegistry registry(FakeRegistry.Auth auth) throws IOException {
        FakeRegistry r = new FakeRegistry(auth, 300_000);
        registries.add(r);
        return r;
    }

    /** A mirror whose default upstream is {@code r}; loopback listed, as dfdaemon lists its own registry. */
    RegistryMirror mirror(FakeRegistry r, List<AuthProvider> providers) {
        OriginPolicy origins = UpstreamClientTest.listing("127.0.0.1", "localhost");
        MirrorConfig c = new MirrorConfig(r.url(), List.of(), List.of("127.0.0.1", "localhost"), 1000, true, origins);
        return RegistryMirror.create(c, List.of(new GenericRegistryPlugin()), providers, k -> Optional.empty(), () -> engine);
    }

    static MirrorRequest get(String path, Map<String, List<String>> query, Map<String, List<String>> headers) {
        return new MirrorRequest("GET", path, query, headers);
    }

    static AuthProvider credentials() {
        return new AuthProvider() {
            public String name() { return "test"; }
            public Optional<Credentials> credentialsFor(String host) { return Optional.of(new Credentials("u", "p")); }
        };
    }

    @Test
    void anonymousClientOfAPrivateRepoGetsTheRegistrys401AndTheDownloaderIsNeverCalled() throws Exception {
        FakeRegistry a = registry(FakeRegistry.Auth.BEARER);
        RegistryMirror m = mirror(a, List.of());
        for (String method : List.of("GET", "HEAD")) {
            MirrorResponse r = m.handle(new MirrorRequest(method, "lib/app/blobs/" + a.blobDigest, Map.of(), Map.of()));
            assertEquals(401, r.status(), method);
            assertEquals("Bearer realm=\"" + a.url() + "/token\",service=\"fake\"", r.header("WWW-Authenticate"),
                    "the registry's own challenge, so the client can log in");
            String text = new String(body(r), StandardCharsets.UTF_8);
            if (method.equals("GET")) {
                assertTrue(text.contains("UNAUTHORIZED"), text);
            }
            assertFalse(text.contains(Integer.toString(a.blob[0])) && text.length() > 1000, "no blob bytes");
        }
        assertTrue(engine.requests.isEmpty(), "the Downloader was never called");
        assertEquals(0, a.blobGets.get(), "the registry served no byte");
        assertEquals(0, a.tokenRequests.get(), "dfdaemon did not log in on the client's behalf");
    }

    @Test
    void aRegistryThatSaysYesToEveryHeadGetsItsOwnTaskNeverTheVictims() throws Exception {
        FakeRegistry a = registry(FakeRegistry.Auth.BASIC); // the private registry holding the layer
        FakeRegistry b = registry(FakeRegistry.Auth.NONE); // the attacker's: 200 to every HEAD
        b.claimEveryBlob = a.blob.length;
        RegistryMirror m = mirror(a, List.of());
        String path = "lib/app/blobs/" + a.blobDigest;

        assertArrayEquals(a.blob, body(m.handle(get(path, Map.of(), Map.of("Authorization", List.of(FakeRegistry.BASIC))))));
        DownloadRequest victim = engine.requests.get(0);
        assertEquals(a.url() + "/v2/" + path, victim.url());
        int aRequests = a.requests.get();

        MirrorResponse r = m.handle(get(path, Map.of("ns", List.of(b.hostPort())), Map.of()));
        assertEquals(200, r.status(), "B said yes");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThrows(IOException.class, () -> r.body().writeTo(out), "B has no such bytes: the response aborts");
        assertTrue(out.size() < a.blob.length);
        assertEquals(2, engine.requests.size());
        DownloadRequest attacker = engine.requests.get(1);
        assertEquals(b.url() + "/v2/" + path, attacker.url(), "the task is B's URL");
        assertFalse(attacker.url().startsWith(a.url()), "never A's");
        assertNull(attacker.headers().get("Authorization"));
        assertNotEquals(TaskIds.derive(victim.url(), victim.digest(), null, TaskIds.DEFAULT_VOLATILE_PARAMS),
                TaskIds.derive(attacker.url(), attacker.digest(), null, TaskIds.DEFAULT_VOLATILE_PARAMS),
                "a different task: the swarm never hands A's pieces to a pull B vouched for");
        assertEquals(aRequests, a.requests.get(), "registry A was not asked at all for the attacker's pull");
    }

    @Test
    void theTaskIsTheRegistrysBlobUrlNotWhereItRedirects() throws Exception {
        FakeRegistry a = registry(FakeRegistry.Auth.BASIC);
        int port = a.server.getAddress().getPort();
        a.blobRedirect = "http://localhost:" + port + "/storage/blob?X-Amz-Signature=SIG";
        RegistryMirror m = mirror(a, List.of());
        MirrorResponse r = m.handle(get("lib/app/blobs/" + a.blobDigest, Map.of(), Map.of("Authorization", List.of(FakeRegistry.BASIC))));
        assertEquals(200, r.status());
        assertArrayEquals(a.blob, body(r));
        DownloadRequest dr = engine.requests.get(0);
        assertEquals(a.url() + "/v2/lib/app/blobs/" + a.blobDigest, dr.url(),
                "the registry's URL (whose redirect the engine follows), not the storage URL several registries may share");
        assertEquals(FakeRegistry.BASIC, dr.headers().get("Authorization"), "the client's authorization, for that registry URL");
    }

    @Test
    void aTokenRealmOnAnInternalAddressIsRefusedWith403AndOneCleanWarning() throws Exception {
        FakeRegistry a = registry(FakeRegistry.Auth.BEARER);
        a.realm = "http://metadata.internal/latest/meta-data/iam?X-Amz-Signature=SECRETSIG";
        RegistryMirror m = mirror(a, List.of(credentials()));
        try (LogCapture logs = new LogCapture()) {
            MirrorResponse r = m.handle(get("lib/app/manifests/v1", Map.of(), Map.of()));
            assertEquals(403, r.status());
            String text = new String(body(r), StandardCharsets.UTF_8);
            assertTrue(text.startsWith("{\"errors\":[{\"code\":\"DENIED\",\"message\":\"origin host metadata.internal resolves to"
                    + " 10.1.2.3"), text);
            assertTrue(text.contains(UpstreamClientTest.PROPERTY), "the refusal names the property to set: " + text);
            assertEquals(1, logs.at(Level.WARNING).size(), logs.text());
            String log = logs.text();
            assertTrue(log.contains("token realm http://metadata.internal/latest/meta-data/iam"), log);
            for (String secret : List.of("SECRETSIG", FakeRegistry.BASIC.substring(6), "u:p")) {
                assertFalse(text.contains(secret), secret);
                assertFalse(log.contains(secret), secret);
            }
        }
        assertEquals(0, a.tokenRequests.get());
    }

    @Test
    void noCredentialTokenOrQueryStringInAnyLogLineOrErrorBody() throws Exception {
        String sig = "?X-Amz-Signature=SECRETSIG&X-Amz-Security-Token=SECRETSTS";
        Map<String, List<String>> bearer = Map.of("Authorization", List.of("Bearer SECRETTOKEN"));
        List<String> bodies = new ArrayList<>();
        try (LogCapture logs = new LogCapture()) {
            // 1. the registry redirects to storage that is down: 502
            FakeRegistry a = registry(FakeRegistry.Auth.NONE);
            int dead;
            try (ServerSocket s = new ServerSocket(0)) {
                dead = s.getLocalPort();
            }
            a.blobRedirect = "http://127.0.0.1:" + dead + "/storage/blob" + sig;
            RegistryMirror m = mirror(a, List.of());
            MirrorResponse r = m.handle(get("lib/app/blobs/" + a.blobDigest, Map.of(), bearer));
            assertEquals(502, r.status());
            bodies.add(new String(body(r), StandardCharsets.UTF_8));

            // 2. the registry redirects to an internal host: 403
            a.blobRedirect = "http://storage.internal/storage/blob" + sig;
            r = m.handle(get("lib/app/blobs/" + a.blobDigest, Map.of(), bearer));
            assertEquals(403, r.status());
            bodies.add(new String(body(r), StandardCharsets.UTF_8));

            // 3. the engine fails with a message quoting a signed URL and the token; the origin serves the rest
            a.blobRedirect = "http://localhost:" + a.server.getAddress().getPort() + "/storage/blob" + sig;
            engine.failToStart = true;
            engine.failMessage = "GET http://s3.public/b" + sig + " with Authorization: Bearer SECRETTOKEN failed (sig=SECRETSIG)";
            assertArrayEquals(a.blob, body(m.handle(get("lib/app/blobs/" + a.blobDigest, Map.of(), bearer))));
            engine.failToStart = false;

            // 4. a plugin throws with a credential-bearing URL in its message: 500
            AuthProvider broken = new AuthProvider() {
                public String name() { return "broken"; }
                public Optional<Credentials> credentialsFor(String host) {
                    throw new IllegalStateException("cannot read https://u:SECRETTOKEN@vault.public/kv" + sig);
                }
            };
            r = mirror(a, List.of(broken)).handle(get("lib/app/manifests/v1", Map.of(), Map.of()));
            assertEquals(500, r.status());
            bodies.add(new String(body(r), StandardCharsets.UTF_8));

            // 5. a token service answers broken JSON around the token: 502
            FakeRegistry t = registry(FakeRegistry.Auth.BEARER);
            t.malformedToken = "SECRETTOKEN";
            r = mirror(t, List.of(credentials())).handle(get("lib/app/manifests/v1", Map.of(), Map.of()));
            assertEquals(502, r.status());
            bodies.add(new String(body(r), StandardCharsets.UTF_8));

            String log = logs.text();
            assertTrue(logs.at(Level.WARNING).size() >= 5, log);
            for (String secret : List.of("SECRETSIG", "SECRETSTS", "SECRETTOKEN", "X-Amz-Signature=S", "u:")) {
                assertFalse(log.contains(secret), secret + " in the log:\n" + log);
                for (String b : bodies) {
                    assertFalse(b.contains(secret), secret + " in " + b);
                }
            }
            assertTrue(log.contains("cannot read https://vault.public/kv"), "the redacted message stays useful:\n" + log);
        }
    }
}
