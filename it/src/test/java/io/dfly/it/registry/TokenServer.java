package io.dfly.it.registry;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.dfly.it.harness.FreePorts;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.Signature;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;

/**
 * A Docker registry token server (the distribution "token" auth): RS256 JWTs whose {@code kid} is the
 * libtrust key id of the certificate the registry trusts. GET with optional Basic auth, and containerd's
 * POST form ({@code grant_type=password}). Good credentials get every requested scope, no credentials an
 * anonymous token with no access, bad credentials 401.
 */
public final class TokenServer implements AutoCloseable {
    /** One token request as seen by the server. */
    public record TokenRequest(String method, String account, boolean granted) {
    }

    private final Path dir;
    private final String issuer;
    private final String service;
    private final Map<String, String> users;
    private final List<TokenRequest> requests = Collections.synchronizedList(new ArrayList<>());
    private KeyPair keys;
    private String kid;
    private HttpServer server;
    private int port;
    private String path = "/token";

    public TokenServer(Path dir, String issuer, String service, Map<String, String> users) {
        this.dir = dir;
        this.issuer = issuer;
        this.service = service;
        this.users = Map.copyOf(users);
    }

    /** Serves tokens at another path (Harbor's is {@code /service/token}); call before {@link #start()}. */
    public TokenServer path(String path) {
        this.path = path;
        return this;
    }

    public TokenServer start() throws Exception {
        Files.createDirectories(dir);
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        keys = g.generateKeyPair();
        Path key = dir.resolve("token.key");
        Files.writeString(key, pem("PRIVATE KEY", keys.getPrivate().getEncoded()));
        Procs.run("openssl", "req", "-x509", "-key", key.toString(), "-out", certificate().toString(),
                "-days", "2", "-subj", "/CN=" + issuer).ok("openssl req -x509");
        kid = libtrustKeyId(keys.getPublic().getEncoded());
        port = FreePorts.pick();
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.createContext(path, this::handle);
        server.start();
        return this;
    }

    /** The certificate for the registry's {@code rootcertbundle}. */
    public Path certificate() {
        return dir.resolve("token.crt");
    }

    public String realm() {
        return "http://127.0.0.1:" + port + path;
    }

    public String issuer() {
        return issuer;
    }

    public String service() {
        return service;
    }

    public List<TokenRequest> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            Map<String, String> params = new LinkedHashMap<>();
            parseForm(ex.getRequestURI().getRawQuery(), params);
            String user = null;
            String pass = null;
            if (ex.getRequestMethod().equals("POST")) {
                parseForm(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8), params);
                user = params.get("username");
                pass = params.get("password");
            }
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            if (auth != null && auth.regionMatches(true, 0, "Basic ", 0, 6)) {
                String dec = new String(Base64.getDecoder().decode(auth.substring(6).trim()), StandardCharsets.UTF_8);
                int c = dec.indexOf(':');
                user = c < 0 ? dec : dec.substring(0, c);
                pass = c < 0 ? "" : dec.substring(c + 1);
            }
            boolean anonymous = user == null || (user.isEmpty() && (pass == null || pass.isEmpty()));
            if (!anonymous && !pass.equals(users.get(user))) {
                requests.add(new TokenRequest(ex.getRequestMethod(), user, false));
                byte[] b = "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"bad credentials\"}]}".getBytes(StandardCharsets.UTF_8);
                ex.getResponseHeaders().add("Content-Type", "application/json");
                ex.sendResponseHeaders(401, b.length);
                ex.getResponseBody().write(b);
                return;
            }
            requests.add(new TokenRequest(ex.getRequestMethod(), anonymous ? null : user, !anonymous));
            StringBuilder access = new StringBuilder("[");
            if (!anonymous && params.containsKey("scope")) {
                for (String scope : params.get("scope").split(" ")) {
                    String[] parts = scope.split(":");
                    if (parts.length < 3) {
                        continue;
                    }
                    String name = String.join(":", java.util.Arrays.copyOfRange(parts, 1, parts.length - 1));
                    StringBuilder actions = new StringBuilder();
                    for (String a : parts[parts.length - 1].split(",")) {
                        actions.append(actions.length() == 0 ? "" : ",").append('"').append(a).append('"');
                    }
                    access.append(access.length() == 1 ? "" : ",").append("{\"type\":\"").append(parts[0])
                            .append("\",\"name\":\"").append(name).append("\",\"actions\":[").append(actions).append("]}");
                }
            }
            access.append(']');
            long now = System.currentTimeMillis() / 1000;
            String header = "{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"" + kid + "\"}";
            String claims = "{\"iss\":\"" + issuer + "\",\"sub\":\"" + (anonymous ? "" : user) + "\",\"aud\":\""
                    + params.getOrDefault("service", service) + "\",\"exp\":" + (now + 300) + ",\"nbf\":" + (now - 10)
                    + ",\"iat\":" + now + ",\"jti\":\"" + UUID.randomUUID() + "\",\"access\":" + access + "}";
            String signingInput = b64(header.getBytes(StandardCharsets.UTF_8)) + "." + b64(claims.getBytes(StandardCharsets.UTF_8));
            Signature sig = Signature.getInstance("SHA256withRSA");
            sig.initSign(keys.getPrivate());
            sig.update(signingInput.getBytes(StandardCharsets.US_ASCII));
            String jwt = signingInput + "." + b64(sig.sign());
            byte[] body = ("{\"token\":\"" + jwt + "\",\"access_token\":\"" + jwt + "\",\"expires_in\":300,\"issued_at\":\""
                    + java.time.Instant.ofEpochSecond(now) + "\"}").getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
        } catch (Exception e) {
            ex.sendResponseHeaders(500, -1);
        }
    }

    private static void parseForm(String raw, Map<String, String> out) {
        if (raw == null || raw.isEmpty()) {
            return;
        }
        for (String kv : raw.split("&")) {
            int eq = kv.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? kv : kv.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8);
            out.merge(k, v, (a, b) -> a + " " + b); // repeated scope= parameters
        }
    }

    /** libtrust key id: base32 of the first 240 bits of SHA-256(DER SPKI), in 4-char groups joined by ':'. */
    static String libtrustKeyId(byte[] spki) throws Exception {
        byte[] h = MessageDigest.getInstance("SHA-256").digest(spki);
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        StringBuilder b32 = new StringBuilder();
        int buffer = 0;
        int bits = 0;
        for (int i = 0; i < 30; i++) {
            buffer = (buffer << 8) | (h[i] & 0xff);
            bits += 8;
            while (bits >= 5) {
                b32.append(alphabet.charAt((buffer >> (bits - 5)) & 31));
                bits -= 5;
            }
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < b32.length(); i += 4) {
            out.append(i == 0 ? "" : ":").append(b32, i, i + 4);
        }
        return out.toString();
    }

    private static String b64(byte[] b) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    @Override
    public void close() {
        if (server != null) {
            server.stop(0);
            ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
        }
    }
}
