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
import io.dfly.core.security.ClusterSecret;
import io.dfly.core.security.HostTokens;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.Proxy;
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
 * moves to the next on a connection error; the task's later calls go to the one that answered. Every call
 * carries {@code Authorization: Dfly-Host <token>} minted for its method and raw path ({@link HostTokens}),
 * so a supernode serves enrolled hosts only.
 */
public final class SupernodeClient {
    static final ObjectMapper JSON = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /** A successful registration: who answered and what it said. */
    public record Registration(HostPort supernode, RegisterResponse response) {
    }

    private final List<HostPort> supernodes;
    private final HttpClient http;
    private final HostTokens tokens;
    private final String peerId;

    /**
     * @param tokens mints this host's token for each call
     * @param peerId the peer id the tokens name (the supernode checks it against the body and path)
     */
    public SupernodeClient(List<HostPort> supernodes, HttpClient http, HostTokens tokens, String peerId) {
        this.supernodes = List.copyOf(supernodes);
        this.http = http;
        this.tokens = tokens;
        this.peerId = peerId;
    }

    /** The one line that says a supernode does not know this host's cluster secret. */
    static String notEnrolled(HostPort sn) {
        return "supernode " + sn + " refused this host (401): it is not enrolled — copy the supernode's cluster secret to "
                + ClusterSecret.PROPERTY;
    }

    public List<HostPort> supernodes() {
        return supernodes;
    }

    /**
     * Registers with the first supernode that answers, skipping {@code skip} (one that just failed).
     *
     * @throws SupernodeUnreachableException no supernode answered
     * @throws SupernodeRefusedException      no supernode accepted this host (401: not enrolled), or one refused
     *                                        the origin (403 origin_refused)
     * @throws DownloadException              a supernode answered with an error (origin 404, denied, ...)
     */
    public Registration register(RegisterRequest request, HostPort skip) throws SupernodeUnreachableException, DownloadException,
            InterruptedException {
        List<String> failures = new ArrayList<>();
        List<HostPort> tried = new ArrayList<>();
        SupernodeRefusedException refused = null;
        for (HostPort sn : supernodes) {
            if (sn.equals(skip) && supernodes.size() > 1) {
                continue;
            }
            tried.add(sn);
            try {
                Answer r = post(sn, "/api/v1/tasks", request, Duration.ofMinutes(2));
                if (r.statusCode() / 100 == 2) {
                    return new Registration(sn, JSON.readValue(r.body(), RegisterResponse.class));
                }
                if (r.statusCode() == 503) {
                    failures.add(sn + ": HTTP 503");
                    continue;
                }
                if (r.statusCode() == 401) {
                    // another supernode of the list may still know us (a cluster being re-keyed)
                    if (refused == null) {
                        refused = new SupernodeRefusedException(notEnrolled(sn));
                    }
                    continue;
                }
                throw error(sn, r);
            } catch (IOException e) {
                failures.add(sn + ": " + describe(e));
            }
        }
        if (refused != null) {
            throw refused;
        }
        throw new SupernodeUnreachableException(tried.stream().map(HostPort::toString).collect(Collectors.joining(",")),
                String.join("; ", failures));
    }

    public PullResponse pull(HostPort sn, String taskId, PullRequest request) throws IOException, DownloadException,
            InterruptedException {
        Answer r = post(sn, "/api/v1/tasks/" + taskId + "/pull", request, Duration.ofSeconds(30));
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
            URI u = uri(sn, "/api/v1/tasks/" + taskId + "/peers/" + enc(peerId));
            http.send(HttpRequest.newBuilder(u).timeout(Duration.ofSeconds(5)).header(HostTokens.HEADER, token("DELETE", u))
                    .DELETE().build(), HttpResponse.BodyHandlers.discarding());
        } catch (IOException ignored) {
            // leaving is best effort: the supernode also forgets silent peers
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Tells the supernode this peer is alive, in every task it is in there: one
     * {@code POST /api/v1/peers/{peerId}/heartbeat} without a body, however many tasks it serves. Returns the
     * status answered (204; 401: not enrolled).
     */
    public int heartbeat(HostPort sn, String peerId) throws IOException {
        return post(sn, "/api/v1/peers/" + enc(peerId) + "/heartbeat", null, Duration.ofSeconds(5)).statusCode();
    }

    /** A supernode's answer to one call: its status and its (small, JSON) body. */
    record Answer(int statusCode, String body) {
    }

    /** The most a supernode's answer may hold (a pull's assignments, an error): more is refused, never buffered. */
    static final int MAX_ANSWER_BYTES = 4 * 1024 * 1024;
    private static final int CONNECT_TIMEOUT_MS = 5_000;

    /**
     * One JSON call, on the JDK's plain {@link HttpURLConnection} (blocking, kept-alive connections reused): a pull
     * and a report per piece make these the engine's most frequent requests, and {@code java.net.http.HttpClient}
     * spent more CPU per call than the whole piece's transfer (bench/README.md, "Profile").
     */
    private Answer post(HostPort sn, String path, Object body, Duration timeout) throws IOException {
        URI u = uri(sn, path);
        byte[] bytes = body == null ? new byte[0] : JSON.writeValueAsBytes(body);
        HttpURLConnection c = (HttpURLConnection) u.toURL().openConnection(Proxy.NO_PROXY);
        try {
            c.setConnectTimeout(CONNECT_TIMEOUT_MS);
            c.setReadTimeout((int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis())));
            c.setInstanceFollowRedirects(false);
            c.setUseCaches(false);
            c.setRequestMethod("POST");
            c.setDoOutput(true);
            c.setFixedLengthStreamingMode(bytes.length);
            if (body != null) {
                c.setRequestProperty("Content-Type", "application/json");
            }
            c.setRequestProperty("Accept", "application/json");
            c.setRequestProperty(HostTokens.HEADER, token("POST", u));
            try (OutputStream out = c.getOutputStream()) {
                out.write(bytes);
            }
            int status = c.getResponseCode();
            InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream();
            if (in == null) {
                return new Answer(status, "");
            }
            try (in) {
                byte[] answer = in.readNBytes(MAX_ANSWER_BYTES + 1);
                if (answer.length > MAX_ANSWER_BYTES) {
                    c.disconnect();
                    throw new IOException("answer over " + MAX_ANSWER_BYTES + " bytes");
                }
                return new Answer(status, new String(answer, StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            c.disconnect(); // never reuse a connection left in an unknown state
            throw e;
        }
    }

    /** This host's token for one request (the raw path, as sent, is what the supernode checks). */
    private String token(String method, URI u) {
        return tokens.authorization(peerId, method, u.getRawPath());
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
        if (e instanceof java.net.http.HttpTimeoutException || e instanceof java.net.SocketTimeoutException) {
            return "timed out";
        }
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    private static DownloadException error(HostPort sn, Answer r) {
        if (r.statusCode() == 401) {
            return new SupernodeRefusedException(notEnrolled(sn));
        }
        String message = "HTTP " + r.statusCode();
        String code = null;
        try {
            ErrorBody b = JSON.readValue(r.body(), ErrorBody.class);
            code = b.error();
            if (b.message() != null) {
                message = b.message();
            }
        } catch (Exception ignored) {
            // not an ErrorBody: keep the status
        }
        if (r.statusCode() == 403 && "origin_refused".equals(code)) {
            return new SupernodeRefusedException("supernode " + sn + " refused the origin (403): " + message
                    + " — list the host in dfly.supernode.allowed-origins on the supernode");
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
