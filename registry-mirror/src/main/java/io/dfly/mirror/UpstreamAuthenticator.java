package io.dfly.mirror;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dfly.core.piece.Digests;
import io.dfly.core.protocol.UserAgent;
import io.dfly.core.security.SafeUrls;
import io.dfly.spi.AuthProvider;
import io.dfly.spi.Credentials;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;

/**
 * Decides which {@code Authorization} goes upstream. The client's own header is forwarded unchanged
 * (passthrough: upstream challenges reach the client, which logs in at the realm itself). Only when the
 * client sent none and an {@link AuthProvider} has credentials for the registry does dfdaemon answer
 * upstream challenges itself: Basic directly, Bearer by a token exchange whose tokens are cached
 * in memory until expiry. Credentials and tokens are never logged.
 */
public final class UpstreamAuthenticator {
    private static final Logger LOG = Logger.getLogger(UpstreamAuthenticator.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_CHALLENGES = 1024;

    private final UpstreamClient client;
    private final List<AuthProvider> providers;
    private final TokenCache tokens;
    private final Map<String, AuthChallenge> challenges = new ConcurrentHashMap<>();

    public UpstreamAuthenticator(UpstreamClient client, List<AuthProvider> providers, TokenCache tokens) {
        this.client = client;
        this.providers = List.copyOf(providers);
        this.tokens = tokens;
    }

    /** Whether every provider admits this client (e.g. a cluster token header). */
    public boolean admits(Map<String, List<String>> headers) {
        return providers.stream().allMatch(p -> p.admits(headers));
    }

    /** Auth state for one client request to one upstream. */
    public Session session(MirrorRequest request, Upstream upstream) {
        String clientAuth = request.header("authorization");
        Credentials creds = null;
        if (clientAuth == null) {
            for (AuthProvider p : providers) {
                Optional<Credentials> c = p.credentialsFor(upstream.credentialHost());
                if (c.isPresent()) {
                    creds = c.get();
                    break;
                }
            }
        }
        return new Session(upstream, clientAuth, creds);
    }

    public final class Session {
        private final Upstream upstream;
        private final String clientAuth;
        private final Credentials creds;
        private volatile String authorization;

        Session(Upstream upstream, String clientAuth, Credentials creds) {
            this.upstream = upstream;
            this.clientAuth = clientAuth;
            this.creds = creds;
            this.authorization = clientAuth;
        }

        /** Whether the client brought its own Authorization. */
        public boolean clientAuthorized() {
            return clientAuth != null;
        }

        /** The registry's extra headers (never credentials). */
        public Map<String, String> extraHeaders() {
            return upstream.backend().extraHeaders();
        }

        /**
         * The Authorization value that last worked upstream (for the engine's back-to-source), or null. It is
         * this registry's: the client's own header or what dfdaemon obtained for this registry; upstream never
         * received it on another origin (see {@link UpstreamClient}).
         */
        public String authorization() {
            return authorization;
        }

        /** Sends with the right Authorization; with configured credentials, answers a 401 challenge once. */
        public HttpResponse<InputStream> send(String method, URI uri, Map<String, List<String>> headers)
                throws IOException {
            Map<String, List<String>> h = new LinkedHashMap<>(headers);
            upstream.backend().extraHeaders().forEach((k, v) -> h.put(k, List.of(v)));
            if (creds == null) {
                return client.send(method, uri, withAuth(h, clientAuth));
            }
            String host = upstream.credentialHost();
            String first = null;
            AuthChallenge known = challenges.get(host);
            if (known != null) {
                first = known.isBasic() ? creds.basicAuthorization()
                        : tokens.get(cacheKey(known, scopeFor(known))).map(t -> "Bearer " + t).orElse(null);
            }
            HttpResponse<InputStream> r = client.send(method, uri, withAuth(h, first));
            if (r.statusCode() != 401) {
                authorization = first;
                return r;
            }
            Optional<AuthChallenge> ch = AuthChallenge.parse(r.headers().firstValue("www-authenticate").orElse(null));
            if (ch.isEmpty() || !(ch.get().isBasic() || ch.get().isBearer())) {
                return r;
            }
            if (challenges.size() >= MAX_CHALLENGES) {
                challenges.clear(); // only a hint that saves a round trip; a client sending ever new ns= cannot grow it
            }
            challenges.put(host, ch.get());
            if (first != null && ch.get().isBearer()) {
                tokens.invalidate(cacheKey(ch.get(), scopeFor(ch.get()))); // the cached token was refused
            }
            String retry;
            if (ch.get().isBasic()) {
                retry = creds.basicAuthorization();
            } else {
                Optional<String> token;
                try {
                    token = exchange(ch.get());
                } catch (IOException | RuntimeException e) {
                    r.body().close();
                    throw e;
                }
                if (token.isEmpty()) {
                    return r; // upstream's own 401 reaches the client
                }
                retry = "Bearer " + token.get();
            }
            r.body().close();
            HttpResponse<InputStream> second = client.send(method, uri, withAuth(h, retry));
            if (second.statusCode() < 400) {
                authorization = retry;
            }
            return second;
        }

        private String scopeFor(AuthChallenge ch) {
            return ch.param("scope").orElse(upstream.repository() == null ? ""
                    : "repository:" + upstream.repository() + ":pull");
        }

        private String cacheKey(AuthChallenge ch, String scope) {
            String who = creds.username() + "#" + Digests.sha256(creds.secret().getBytes(StandardCharsets.UTF_8));
            return ch.param("realm").orElse("") + "|" + ch.param("service").orElse("") + "|" + scope + "|" + who;
        }

        private Optional<String> exchange(AuthChallenge ch) throws IOException {
            String scope = scopeFor(ch);
            String key = cacheKey(ch, scope);
            Optional<String> cached = tokens.get(key);
            if (cached.isPresent()) {
                return cached;
            }
            Optional<String> realm = ch.param("realm");
            if (realm.isEmpty()) {
                return Optional.empty();
            }
            URI realmUri;
            try {
                realmUri = upstream.backend().tokenRealm(new URI(realm.get()));
            } catch (URISyntaxException | IllegalArgumentException e) {
                throw new IOException("the Bearer challenge of " + upstream.credentialHost() + " names a malformed token realm");
            }
            // the realm is the upstream's choice: it must pass the same origin policy as the registry itself,
            // or an upstream could make dfdaemon send its configured credentials to an internal "token service"
            client.checkOrigin(realmUri, "token realm");
            StringBuilder q = new StringBuilder();
            ch.param("service").ifPresent(s -> q.append("service=").append(enc(s)));
            if (!scope.isEmpty()) {
                q.append(q.length() > 0 ? "&" : "").append("scope=").append(enc(scope));
            }
            q.append(q.length() > 0 ? "&" : "").append("account=").append(enc(creds.username()));
            String base = realmUri.toString();
            URI tokenUri = URI.create(base + (base.contains("?") ? "&" : "?") + q);
            HttpResponse<String> tr = client.sendForString(HttpRequest.newBuilder(tokenUri)
                    .header("Authorization", creds.basicAuthorization())
                    .header(UserAgent.HEADER, UserAgent.DFDAEMON)
                    .timeout(Duration.ofSeconds(30)).GET().build());
            if (tr.statusCode() != 200) {
                LOG.warning("dfly mirror: token service " + SafeUrls.display(realmUri) + " refused the configured credentials for "
                        + upstream.credentialHost() + " (HTTP " + tr.statusCode() + ")");
                return Optional.empty();
            }
            JsonNode body;
            try {
                body = JSON.readTree(tr.body());
            } catch (JsonProcessingException e) {
                // not e's message: it quotes the body, which may hold a token
                throw new IOException("token service " + SafeUrls.display(realmUri) + " answered malformed JSON");
            }
            String token = body.hasNonNull("token") ? body.get("token").asText()
                    : body.hasNonNull("access_token") ? body.get("access_token").asText() : null;
            if (token == null || token.isEmpty()) {
                return Optional.empty();
            }
            long expiresIn = body.hasNonNull("expires_in") ? body.get("expires_in").asLong(60) : 60;
            tokens.put(key, token, Duration.ofSeconds(expiresIn));
            return Optional.of(token);
        }
    }

    private static Map<String, List<String>> withAuth(Map<String, List<String>> headers, String auth) {
        if (auth == null) {
            return headers;
        }
        Map<String, List<String>> h = new LinkedHashMap<>(headers);
        h.put("Authorization", new ArrayList<>(List.of(auth)));
        return h;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
