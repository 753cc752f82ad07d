package io.dfly.mirror;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

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
            HttpResponse<InputStream> r = new UpstreamClient().send("GET",
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
}
