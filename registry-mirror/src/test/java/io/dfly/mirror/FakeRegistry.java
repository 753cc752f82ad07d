package io.dfly.mirror;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.dfly.core.piece.Digests;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** A tiny in-process registry: one repository {@code lib/app}, one manifest, one blob; none/Basic/Bearer auth. */
final class FakeRegistry implements AutoCloseable {
    enum Auth { NONE, BASIC, BEARER }

    static final String BASIC = "Basic " + Base64.getEncoder().encodeToString("u:p".getBytes(StandardCharsets.UTF_8));
    final Auth auth;
    final HttpServer server;
    final byte[] blob;
    final String blobDigest;
    final byte[] manifest;
    final String manifestDigest;
    final AtomicInteger requests = new AtomicInteger();
    final AtomicInteger blobGets = new AtomicInteger();
    final AtomicInteger tokenRequests = new AtomicInteger();
    final Set<String> tokens = ConcurrentHashMap.newKeySet();
    final AtomicInteger storageGets = new AtomicInteger();
    volatile boolean corrupt;
    /** When set, the blob (HEAD and GET, once authorized) answers 307 to this URL, as registries do to object storage. */
    volatile String blobRedirect;
    /** When set, the Bearer challenge names this realm instead of this registry's own /token. */
    volatile String realm;
    /** When set, the token service answers a truncated JSON body carrying this token. */
    volatile String malformedToken;
    /** When >= 0, a lying registry: every blob HEAD answers 200 with this length, whatever the digest; GETs 404. */
    volatile long claimEveryBlob = -1;
    volatile String lastAccept;

    FakeRegistry(Auth auth, int blobSize) throws IOException {
        this.auth = auth;
        blob = new byte[blobSize];
        new java.util.Random(42).nextBytes(blob);
        blobDigest = Digests.sha256(blob);
        manifest = ("{\"schemaVersion\":2,\"layers\":[{\"digest\":\"" + blobDigest + "\"}]}").getBytes(StandardCharsets.UTF_8);
        manifestDigest = Digests.sha256(manifest);
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        server.createContext("/", this::handle);
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    String hostPort() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    private boolean authorized(HttpExchange ex) {
        String a = ex.getRequestHeaders().getFirst("Authorization");
        return switch (auth) {
            case NONE -> true;
            case BASIC -> BASIC.equals(a);
            case BEARER -> a != null && a.startsWith("Bearer ") && tokens.contains(a.substring(7));
        };
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            requests.incrementAndGet();
            String path = ex.getRequestURI().getPath();
            boolean head = ex.getRequestMethod().equals("HEAD");
            if (claimEveryBlob >= 0 && path.startsWith("/v2/") && path.contains("/blobs/")) {
                if (head) {
                    ex.getResponseHeaders().add("Content-Length", String.valueOf(claimEveryBlob));
                    ex.sendResponseHeaders(200, -1);
                } else {
                    send(ex, 404, "application/json", RegistryErrors.json("BLOB_UNKNOWN", "unknown", null).getBytes(), false);
                }
                return;
            }
            if (path.equals("/storage/blob")) { // object storage: the signature in the query is the authorization
                if (!head) {
                    storageGets.incrementAndGet();
                }
                send(ex, 200, "application/octet-stream", blob, head);
                return;
            }
            if (path.equals("/token")) {
                tokenRequests.incrementAndGet();
                if (!BASIC.equals(ex.getRequestHeaders().getFirst("Authorization"))) {
                    ex.sendResponseHeaders(401, -1);
                    return;
                }
                if (malformedToken != null) {
                    send(ex, 200, "application/json", ("{\"token\":\"" + malformedToken).getBytes(), false);
                    return;
                }
                String t = "tok" + tokenRequests.get();
                tokens.add(t);
                send(ex, 200, "application/json", ("{\"token\":\"" + t + "\",\"expires_in\":300}").getBytes(), false);
                return;
            }
            if (!authorized(ex)) {
                ex.getResponseHeaders().add("WWW-Authenticate", auth == Auth.BASIC ? "Basic realm=\"fake\""
                        : "Bearer realm=\"" + (realm != null ? realm : url() + "/token") + "\",service=\"fake\"");
                send(ex, 401, "application/json", RegistryErrors.json("UNAUTHORIZED", "authentication required", null)
                        .getBytes(StandardCharsets.UTF_8), head);
                return;
            }
            if (path.equals("/v2/")) {
                send(ex, 200, "application/json", "{}".getBytes(), head);
            } else if (path.equals("/v2/lib/app/manifests/v1") || path.equals("/v2/lib/app/manifests/" + manifestDigest)) {
                lastAccept = String.join("|", ex.getRequestHeaders().getOrDefault("Accept", java.util.List.of()));
                ex.getResponseHeaders().add("Docker-Content-Digest", manifestDigest);
                send(ex, 200, "application/vnd.oci.image.manifest.v1+json", manifest, head);
            } else if (path.equals("/v2/lib/app/blobs/" + blobDigest) && blobRedirect != null) {
                ex.getResponseHeaders().add("Location", blobRedirect);
                ex.sendResponseHeaders(307, -1);
            } else if (path.equals("/v2/lib/app/blobs/" + blobDigest)) {
                if (!head) {
                    blobGets.incrementAndGet();
                }
                byte[] body = blob;
                if (corrupt && !head) {
                    body = blob.clone();
                    body[body.length / 2] ^= 1;
                }
                String range = ex.getRequestHeaders().getFirst("Range");
                if (range != null && !head) {
                    int from = Integer.parseInt(range.substring(6, range.indexOf('-')));
                    byte[] part = java.util.Arrays.copyOfRange(body, from, body.length);
                    ex.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (body.length - 1) + "/" + body.length);
                    send(ex, 206, "application/octet-stream", part, false);
                    return;
                }
                ex.getResponseHeaders().add("Docker-Content-Digest", blobDigest);
                send(ex, 200, "application/octet-stream", body, head);
            } else {
                send(ex, 404, "application/json", RegistryErrors.json("BLOB_UNKNOWN", "unknown", null).getBytes(), head);
            }
        }
    }

    private static void send(HttpExchange ex, int status, String type, byte[] body, boolean head) throws IOException {
        ex.getResponseHeaders().add("Content-Type", type);
        if (head) {
            ex.getResponseHeaders().add("Content-Length", String.valueOf(body.length));
            ex.sendResponseHeaders(status, -1);
        } else {
            ex.sendResponseHeaders(status, body.length);
            ex.getResponseBody().write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
