package io.dfly.engine;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dfly.core.config.HostPort;
import io.dfly.core.download.DownloadException;
import io.dfly.core.protocol.ErrorBody;
import io.dfly.core.protocol.PieceReport;
import io.dfly.core.protocol.PullRequest;
import io.dfly.core.protocol.PullResponse;
import io.dfly.core.protocol.RegisterRequest;
import io.dfly.core.protocol.RegisterResponse;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Talks to the supernodes (docs/PROTOCOL.md). Registration tries each configured supernode in order and
 * moves to the next on a connection error; the task's later calls go to the one that answered.
 */
public final class SupernodeClient {
    static final ObjectMapper JSON = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /** A successful registration: who answered and what it said. */
    public record Registration(HostPort supernode, RegisterResponse response) {
    }

    private final List<HostPort> supernodes;
    private final HttpClient http;

    public SupernodeClient(List<HostPort> supernodes, HttpClient http) {
        this.supernodes = List.copyOf(supernodes);
        this.http = http;
    }

    public List<HostPort> supernodes() {
        return supernodes;
    }

    /**
     * Registers with the first supernode that answers, skipping {@code skip} (one that just failed).
     *
     * @throws SupernodeUnreachableException no supernode answered
     * @throws DownloadException              a supernode answered with an error (origin 404, denied, ...)
     */
    public Registration register(RegisterRequest request, HostPort skip) throws SupernodeUnreachableException, DownloadException,
            InterruptedException {
        List<String> failures = new ArrayList<>();
        List<HostPort> tried = new ArrayList<>();
        for (HostPort sn : supernodes) {
            if (sn.equals(skip) && supernodes.size() > 1) {
                continue;
            }
            tried.add(sn);
            try {
                HttpResponse<String> r = post(sn, "/api/v1/tasks", request, Duration.ofMinutes(2));
                if (r.statusCode() / 100 == 2) {
                    return new Registration(sn, JSON.readValue(r.body(), RegisterResponse.class));
                }
                if (r.statusCode() == 503) {
                    failures.add(sn + ": HTTP 503");
                    continue;
                }
                throw error(sn, r);
            } catch (IOException e) {
                failures.add(sn + ": " + describe(e));
            }
        }
        throw new SupernodeUnreachableException(tried.stream().map(HostPort::toString).collect(Collectors.joining(",")),
                String.join("; ", failures));
    }

    public PullResponse pull(HostPort sn, String taskId, PullRequest request) throws IOException, DownloadException,
            InterruptedException {
        HttpResponse<String> r = post(sn, "/api/v1/tasks/" + taskId + "/pull", request, Duration.ofSeconds(30));
        if (r.statusCode() != 200) {
            throw error(sn, r);
        }
        return JSON.readValue(r.body(), PullResponse.class);
    }

    public void report(HostPort sn, String taskId, PieceReport report) throws IOException, InterruptedException {
        post(sn, "/api/v1/tasks/" + taskId + "/reports", report, Duration.ofSeconds(30));
    }

    /** Tells the supernode this peer stops serving the task; best effort. */
    public void leave(HostPort sn, String taskId, String peerId) {
        try {
            http.send(HttpRequest.newBuilder(uri(sn, "/api/v1/tasks/" + taskId + "/peers/" + enc(peerId)))
                    .timeout(Duration.ofSeconds(5)).DELETE().build(), HttpResponse.BodyHandlers.discarding());
        } catch (IOException ignored) {
            // leaving is best effort: the supernode also forgets silent peers
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public void heartbeat(HostPort sn, String peerId) throws IOException, InterruptedException {
        http.send(HttpRequest.newBuilder(uri(sn, "/api/v1/peers/" + enc(peerId) + "/heartbeat"))
                .timeout(Duration.ofSeconds(5)).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.discarding());
    }

    private HttpResponse<String> post(HostPort sn, String path, Object body, Duration timeout) throws IOException,
            InterruptedException {
        HttpRequest req = HttpRequest.newBuilder(uri(sn, path)).timeout(timeout)
                .header("Content-Type", "application/json").header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body))).build();
        return http.send(req, HttpResponse.BodyHandlers.ofString());
    }

    private static URI uri(HostPort sn, String path) {
        return URI.create(sn.baseUrl() + path);
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    static String describe(IOException e) {
        String m = e.getMessage();
        if (e instanceof java.net.ConnectException) {
            return "connection refused";
        }
        if (e instanceof java.net.http.HttpTimeoutException) {
            return "timed out";
        }
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    private static DownloadException error(HostPort sn, HttpResponse<String> r) {
        String message = "HTTP " + r.statusCode();
        try {
            ErrorBody b = JSON.readValue(r.body(), ErrorBody.class);
            if (b.message() != null) {
                message = b.message();
            }
        } catch (Exception ignored) {
            // not an ErrorBody: keep the status
        }
        DownloadException.Kind kind = switch (r.statusCode()) {
            case 400 -> DownloadException.Kind.BAD_REQUEST;
            case 404 -> DownloadException.Kind.ORIGIN_NOT_FOUND;
            case 401, 403 -> DownloadException.Kind.ORIGIN_DENIED;
            case 502, 504 -> DownloadException.Kind.ORIGIN_ERROR;
            default -> DownloadException.Kind.INTERNAL;
        };
        return new DownloadException(kind, "supernode " + sn + ": " + message);
    }
}
