package io.dfly.engine;

import com.sun.net.httpserver.HttpServer;
import io.dfly.core.config.HostPort;
import io.dfly.core.protocol.PullRequest;
import io.dfly.core.protocol.PullResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SupernodeClientTest {
    private HttpServer server;
    private final AtomicReference<byte[]> answer = new AtomicReference<>();
    private final AtomicReference<String> auth = new AtomicReference<>();

    private SupernodeClient client() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", ex -> {
            auth.set(ex.getRequestHeaders().getFirst("Authorization"));
            ex.getRequestBody().readAllBytes();
            byte[] b = answer.get();
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(200, b.length);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(b);
            }
        });
        server.start();
        return new SupernodeClient(List.of(new HostPort("127.0.0.1", server.getAddress().getPort())),
                HttpClient.newHttpClient(), FakeSupernode.SECRET.hostTokens(), "p1");
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    @Test
    void pullsWithThisHostsTokenAndReadsTheAnswer() throws Exception {
        SupernodeClient c = client();
        answer.set("{\"action\":\"WAIT\",\"waitMillis\":10}".getBytes(StandardCharsets.UTF_8));
        HostPort sn = c.supernodes().get(0);
        for (int i = 0; i < 3; i++) { // kept-alive connections are reused
            PullResponse r = c.pull(sn, "a".repeat(64), new PullRequest("p1", "", 3));
            assertEquals(io.dfly.core.protocol.PullAction.WAIT, r.action());
        }
        assertTrue(auth.get().startsWith("Dfly-Host "), auth.get());
    }

    @Test
    void anAnswerOverTheBoundIsRefusedNotBuffered() throws Exception {
        SupernodeClient c = client();
        answer.set(new byte[SupernodeClient.MAX_ANSWER_BYTES + 10]);
        IOException e = assertThrows(IOException.class,
                () -> c.pull(c.supernodes().get(0), "a".repeat(64), new PullRequest("p1", "", 3)));
        assertTrue(e.getMessage().contains("answer over"), e.getMessage());
    }
}
