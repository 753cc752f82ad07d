package io.dfly.it.harness;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dfly.core.security.HostTokens;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The supernode's peer API as one enrolled host speaks it: every call carries a host token for this
 * peer id, minted with the test run's cluster secret ({@link TestSecrets}) for the call's method and raw
 * path. Bodies are Jackson-encoded records or raw JSON text.
 */
public final class PeerApi {
    public static final ObjectMapper JSON = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    private final String peerId;
    private final HostTokens tokens = TestSecrets.secret().hostTokens();
    private final HttpClient http;
    private final Duration timeout;

    public PeerApi(String peerId) {
        this(peerId, Duration.ofSeconds(90));
    }

    /** @param timeout how long one call may take before it counts as a hang */
    public PeerApi(String peerId, Duration timeout) {
        this.peerId = peerId;
        this.timeout = timeout;
        // HTTP/1.1: the JDK client would otherwise try an h2c upgrade, which Payara answers with GOAWAY under load
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    }

    public String peerId() {
        return peerId;
    }

    /** The {@code Authorization} value for one request by this peer. */
    public String authorization(String method, String rawPath) {
        return tokens.authorization(peerId, method, rawPath);
    }

    /** POSTs {@code body} (a record, or a String taken as JSON text as is; null = no body). */
    public HttpResponse<String> post(String url, Object body) throws IOException, InterruptedException {
        URI uri = URI.create(url);
        HttpRequest.BodyPublisher publisher = body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body instanceof String s ? s : JSON.writeValueAsString(body));
        return http.send(HttpRequest.newBuilder(uri).timeout(timeout)
                .header("Content-Type", "application/json")
                .header(HostTokens.HEADER, authorization("POST", uri.getRawPath()))
                .POST(publisher).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** POSTs and decodes a 200 answer; other statuses throw {@link Refused} with status and body. */
    public <T> T post(String url, Object body, Class<T> type) throws IOException, InterruptedException {
        HttpResponse<String> r = post(url, body);
        if (r.statusCode() != 200) {
            throw new Refused(r.statusCode(), r.body());
        }
        return JSON.readValue(r.body(), type);
    }

    /** An answer other than 200. */
    public static final class Refused extends IOException {
        public final int status;
        public final String body;

        public Refused(int status, String body) {
            super("HTTP " + status + ": " + body);
            this.status = status;
            this.body = body;
        }
    }
}
