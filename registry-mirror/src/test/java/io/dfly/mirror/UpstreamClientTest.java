package io.dfly.mirror;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Test;

import io.dfly.core.security.OriginPolicy;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UpstreamClientTest {
    @Test
    void redirectToAnotherHostDropsTheRegistrysAuthorization() throws Exception {
        AtomicReference<String> storageAuth = new AtomicReference<>("unset");
        AtomicReference<String> registryAuth = new AtomicReference<>();
        HttpServer storage = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 4);
        storage.createContext("/", ex -> {
            storageAuth.set(ex.getRequestHeaders().getFirst("Authorization"));
            ex.sendResponseHeaders(200, 3);
            ex.getResponseBody().write("abc".getBytes());
            ex.close();
        });
        storage.start();
        HttpServer registry = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 4);
        String target = "http://localhost:" + storage.getAddress().getPort() + "/bucket/blob?X-Signature=1";
        registry.createContext("/", ex -> {
            registryAuth.set(ex.getRequestHeaders().getFirst("Authorization"));
            ex.getResponseHeaders().add("Location", target);
            ex.sendResponseHeaders(307, -1);
            ex.close();
        });
        registry.start();
        try {
            HttpResponse<InputStream> r = new UpstreamClient(io.dfly.core.security.OriginPolicy.allowAll()).send("GET",
                    URI.create("http://127.0.0.1:" + registry.getAddress().getPort() + "/v2/a/blobs/sha256:x"),
                    Map.of("Authorization", List.of("Bearer secret")));
            assertEquals(200, r.statusCode());
            assertArrayEquals("abc".getBytes(), r.body().readAllBytes());
            assertEquals(URI.create(target), r.uri(), "final URI is the storage URL");
            assertEquals("Bearer secret", registryAuth.get());
            assertNull(storageAuth.get(), "the registry's Authorization does not travel to another host");
        } finally {
            registry.stop(0);
            storage.stop(0);
        }
    }

    static final String PROPERTY = "dfly.dfdaemon.allowed-registries";
    static final Map<String, List<String>> CREDENTIALS = Map.of("Authorization", List.of("Bearer SECRETTOKEN"),
            "Cookie", List.of("session=SECRETCOOKIE"), "X-Registry-Auth", List.of("SECRETXRA"), "Accept", List.of("*/*"));

    /** Resolves test names without DNS: *.internal to a private address, *.public to a public one. */
    static InetAddress[] resolve(String host) throws UnknownHostException {
        if (host.endsWith(".internal")) {
            return new InetAddress[]{InetAddress.getByName("10.1.2.3")};
        }
        if (host.endsWith(".public")) {
            return new InetAddress[]{InetAddress.getByName("93.184.216.34")};
        }
        return InetAddress.getAllByName(host);
    }

    static OriginPolicy listing(String... hosts) {
        return OriginPolicy.of(PROPERTY, List.of(hosts), UpstreamClientTest::resolve);
    }

    static boolean carriesCredentials(HttpRequest r) {
        return r.headers().firstValue("Authorization").isPresent() || r.headers().firstValue("Cookie").isPresent()
                || r.headers().firstValue("X-Registry-Auth").isPresent();
    }

    @Test
    void credentialsGoOnlyToTheOriginalOriginAndStayDroppedOnceTheyLeftIt() throws Exception {
        // https://reg -> http://reg (same host, scheme changes) -> https://reg (back) -> https://reg:8443 -> 200
        ScriptedHttpClient http = new ScriptedHttpClient(u -> switch (u.toString()) {
            case "https://reg.public/v2/a/blobs/x" -> ScriptedHttpClient.redirect("http://reg.public/v2/a/blobs/x");
            case "http://reg.public/v2/a/blobs/x" -> ScriptedHttpClient.redirect("https://reg.public:443/again");
            case "https://reg.public:443/again" -> ScriptedHttpClient.redirect("https://reg.public:8443/last");
            default -> ScriptedHttpClient.ok();
        });
        HttpResponse<InputStream> r = new UpstreamClient(http, OriginPolicy.allowAll())
                .send("GET", URI.create("https://reg.public/v2/a/blobs/x"), CREDENTIALS);
        assertEquals(200, r.statusCode());
        assertEquals(4, http.requests.size());
        assertTrue(carriesCredentials(http.requests.get(0)), "the original origin gets them");
        assertEquals("Bearer SECRETTOKEN", http.requests.get(0).headers().firstValue("Authorization").orElseThrow());
        for (HttpRequest later : http.requests.subList(1, 4)) {
            assertFalse(carriesCredentials(later), "no credential after https->http, even back on the origin: " + later.uri());
            assertEquals("*/*", later.headers().firstValue("Accept").orElseThrow(), "other headers still go");
        }
    }

    @Test
    void sameOriginRedirectKeepsCredentialsAndRedirectsAreCappedAtFive() throws Exception {
        ScriptedHttpClient http = new ScriptedHttpClient(u -> ScriptedHttpClient.redirect(u.getPath() + "x"));
        HttpResponse<InputStream> r = new UpstreamClient(http, OriginPolicy.allowAll())
                .send("GET", URI.create("https://reg.public/a"), CREDENTIALS);
        assertEquals(307, r.statusCode(), "the sixth redirect is returned, not followed");
        assertEquals(UpstreamClient.MAX_REDIRECTS + 1, http.requests.size());
        assertTrue(http.requests.stream().allMatch(UpstreamClientTest::carriesCredentials), "same origin (default port made explicit)");
    }

    @Test
    void refusedOriginsAreNeverContactedFirstHopOrRedirect() throws Exception {
        ScriptedHttpClient http = new ScriptedHttpClient(u -> u.getHost().equals("reg.public")
                ? ScriptedHttpClient.redirect("http://metadata.internal/latest/meta-data?X-Amz-Signature=SECRETSIG")
                : ScriptedHttpClient.ok());
        UpstreamClient c = new UpstreamClient(http, listing("127.0.0.1"));
        RefusedOriginException e = assertThrows(RefusedOriginException.class,
                () -> c.send("GET", URI.create("https://reg.public/v2/a/blobs/x"), CREDENTIALS));
        assertEquals(1, http.requests.size(), "the internal redirect target was never asked");
        assertEquals("redirect target", e.what());
        assertEquals("http://metadata.internal/latest/meta-data", e.target());
        assertTrue(e.getMessage().contains(PROPERTY), e.getMessage());
        assertFalse(e.getMessage().contains("SECRETSIG"));

        RefusedOriginException first = assertThrows(RefusedOriginException.class,
                () -> c.send("GET", URI.create("https://registry.internal/v2/"), Map.of()));
        assertEquals("upstream", first.what());
        assertEquals(1, http.requests.size(), "nothing sent");
        assertThrows(RefusedOriginException.class, () -> c.sendForString(HttpRequest.newBuilder(
                URI.create("http://token.internal/token")).build()));
        assertEquals(1, http.requests.size());

        // listed by name, by *.suffix or by CIDR: allowed after all
        UpstreamClient listed = new UpstreamClient(http, listing("metadata.internal"));
        assertEquals(200, listed.send("GET", URI.create("https://reg.public/v2/a/blobs/x"), Map.of()).statusCode());
        assertEquals(200, new UpstreamClient(http, listing("10.0.0.0/8")).send("GET",
                URI.create("https://registry.internal/v2/"), Map.of()).statusCode());
    }

    @Test
    void malformedOrNonHttpRedirectsFailWithoutEchoingTheLocation() {
        for (String location : List.of("file:///etc/passwd?SECRETSIG", "http://[bad?SECRETSIG", "gopher://x.public/?SECRETSIG")) {
            ScriptedHttpClient http = new ScriptedHttpClient(u -> u.getHost() != null && u.getHost().equals("reg.public")
                    ? ScriptedHttpClient.redirect(location) : ScriptedHttpClient.ok());
            IOException e = assertThrows(IOException.class, () -> new UpstreamClient(http, OriginPolicy.allowAll())
                    .send("GET", URI.create("https://reg.public/a"), Map.of()), location);
            assertFalse(e.getMessage().contains("SECRETSIG"), e.getMessage());
            assertEquals(1, http.requests.size(), location);
        }
    }
}
