package io.dfly.supernode.cdn;

import com.sun.net.httpserver.HttpServer;
import io.dfly.supernode.TestSecrets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OriginClientTest {
    private final Map<String, String> authSeen = new ConcurrentHashMap<>();
    private HttpServer registry;
    private HttpServer storage;

    private static HttpServer server() throws Exception {
        return HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
    }

    @AfterEach
    void tearDown() {
        registry.stop(0);
        storage.stop(0);
    }

    @Test
    void credentialsDoNotFollowARedirectToAnotherHost() throws Exception {
        storage = server();
        storage.createContext("/", ex -> {
            authSeen.put("storage", String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
            ex.sendResponseHeaders(200, 5);
            ex.getResponseBody().write("hello".getBytes());
            ex.close();
        });
        storage.start();
        registry = server();
        registry.createContext("/", ex -> {
            authSeen.put("registry" + ex.getRequestURI().getPath(), String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
            String location = ex.getRequestURI().getPath().equals("/blob")
                    ? "/blob-moved" // same host: keeps credentials
                    : "http://localhost:" + storage.getAddress().getPort() + "/signed?X-Amz-Signature=abc";
            ex.getResponseHeaders().set("Location", location);
            ex.sendResponseHeaders(307, -1);
            ex.close();
        });
        registry.start();
        OriginClient client = new OriginClient(Duration.ofSeconds(2), TestSecrets.LOOPBACK_ALLOWED);
        OriginClient.OriginResponse r = client.open("http://127.0.0.1:" + registry.getAddress().getPort() + "/blob",
                Map.of("Authorization", "Bearer secret"), 0, null);
        try (InputStream in = r.body()) {
            assertEquals("hello", new String(in.readAllBytes()));
        }
        assertEquals(5, r.contentLength());
        assertEquals("Bearer secret", authSeen.get("registry/blob"));
        assertEquals("Bearer secret", authSeen.get("registry/blob-moved"));
        assertEquals("null", authSeen.get("storage"), "no Authorization sent to the other host");
    }

    @Test
    void errorStatusesMap() throws Exception {
        storage = server();
        storage.start();
        registry = server();
        registry.createContext("/", ex -> {
            int status = Integer.parseInt(ex.getRequestURI().getPath().substring(1));
            ex.sendResponseHeaders(status, -1);
            ex.close();
        });
        registry.start();
        OriginClient client = new OriginClient(Duration.ofSeconds(2), TestSecrets.LOOPBACK_ALLOWED);
        String base = "http://127.0.0.1:" + registry.getAddress().getPort() + "/";
        assertEquals(404, assertThrows(OriginFailure.class, () -> client.open(base + "404", Map.of(), 0, null)).httpStatus());
        assertEquals(401, assertThrows(OriginFailure.class, () -> client.open(base + "401", Map.of(), 0, null)).httpStatus());
        assertEquals(403, assertThrows(OriginFailure.class, () -> client.open(base + "403", Map.of(), 0, null)).httpStatus());
        assertEquals(502, assertThrows(OriginFailure.class, () -> client.open(base + "503", Map.of(), 0, null)).httpStatus());
        assertEquals(502, assertThrows(OriginFailure.class, () -> client.open(base + "307", Map.of(), 0, null)).httpStatus(),
                "a redirect without Location");
    }

    @Test
    void credentialsDoNotFollowARedirectToAnotherPortOfTheSameHost() throws Exception {
        storage = server();
        storage.createContext("/", ex -> {
            authSeen.put("storage", String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
            authSeen.put("storage-token", String.valueOf(ex.getRequestHeaders().getFirst("X-Amz-Security-Token")));
            authSeen.put("storage-other", String.valueOf(ex.getRequestHeaders().getFirst("X-Other")));
            ex.sendResponseHeaders(200, 2);
            ex.getResponseBody().write("ok".getBytes());
            ex.close();
        });
        storage.start();
        registry = server();
        registry.createContext("/", ex -> {
            ex.getResponseHeaders().set("Location", "http://127.0.0.1:" + storage.getAddress().getPort() + "/blob");
            ex.sendResponseHeaders(302, -1);
            ex.close();
        });
        registry.start();
        OriginClient client = new OriginClient(Duration.ofSeconds(2), TestSecrets.LOOPBACK_ALLOWED);
        OriginClient.OriginResponse r = client.open("http://127.0.0.1:" + registry.getAddress().getPort() + "/blob",
                Map.of("Authorization", "Bearer secret", "X-Amz-Security-Token", "tok", "X-Other", "kept"), 0, null);
        r.body().close();
        assertEquals("null", authSeen.get("storage"), "same host, another port: another origin");
        assertEquals("null", authSeen.get("storage-token"));
        assertEquals("kept", authSeen.get("storage-other"), "headers that are not credentials still go");
    }

    @Test
    void theOriginPolicyIsCheckedOnTheFirstUrlAndEveryRedirectHop() throws Exception {
        java.util.concurrent.atomic.AtomicInteger hits = new java.util.concurrent.atomic.AtomicInteger();
        storage = server();
        storage.start();
        registry = server();
        registry.createContext("/", ex -> {
            hits.incrementAndGet();
            ex.getResponseHeaders().set("Location", "http://169.254.169.254/latest/meta-data/");
            ex.sendResponseHeaders(307, -1);
            ex.close();
        });
        registry.start();
        String url = "http://127.0.0.1:" + registry.getAddress().getPort() + "/blob";
        OriginFailure first = assertThrows(OriginFailure.class,
                () -> new OriginClient(Duration.ofSeconds(2), TestSecrets.NOTHING_LISTED).open(url, Map.of(), 0, null));
        assertEquals(403, first.httpStatus());
        assertEquals("origin_refused", first.code());
        assertEquals(0, hits.get(), "a refused origin is not contacted");
        assertTrue(new OriginClient(Duration.ofSeconds(2), TestSecrets.NOTHING_LISTED).refusal(url).isPresent());

        OriginFailure hop = assertThrows(OriginFailure.class,
                () -> new OriginClient(Duration.ofSeconds(2), TestSecrets.LOOPBACK_ALLOWED).open(url, Map.of(), 0, null));
        assertEquals(403, hop.httpStatus());
        assertEquals("origin_refused", hop.code());
        assertTrue(hop.getMessage().contains("169.254.169.254") && hop.getMessage().contains("link-local"), hop.getMessage());
        assertEquals(1, hits.get());
    }

    @Test
    void messagesShowNoQueryString() throws Exception {
        storage = server();
        storage.start();
        registry = server();
        registry.createContext("/", ex -> {
            ex.sendResponseHeaders(403, -1);
            ex.close();
        });
        registry.start();
        OriginFailure f = assertThrows(OriginFailure.class, () -> new OriginClient(Duration.ofSeconds(2), TestSecrets.LOOPBACK_ALLOWED)
                .open("http://user:pw@127.0.0.1:" + registry.getAddress().getPort() + "/b?X-Amz-Signature=SIG", Map.of(), 0, null));
        assertEquals("origin answered 403 for http://127.0.0.1:" + registry.getAddress().getPort() + "/b", f.getMessage());
    }
}
