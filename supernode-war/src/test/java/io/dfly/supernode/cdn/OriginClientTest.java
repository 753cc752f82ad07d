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
}
