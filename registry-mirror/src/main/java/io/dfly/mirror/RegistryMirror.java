package io.dfly.mirror;

import io.dfly.core.security.SafeText;
import io.dfly.core.download.Downloader;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpConnectTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The registry mirror: answers one {@code /v2/...} request. Pull-only; pushes get a registry-format
 * UNSUPPORTED error.
 */
public final class RegistryMirror {
    private static final Logger LOG = Logger.getLogger(RegistryMirror.class.getName());
    private static final Pattern NAME = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*");
    private static final Pattern OBJECT = Pattern.compile("^(.+)/(manifests|blobs)/([^/]+)$");
    private static final Pattern TAGS = Pattern.compile("^(.+)/tags/list$");

    private final RegistryRouter router;
    private final UpstreamAuthenticator auth;
    private final ManifestProxy manifests = new ManifestProxy();
    private final BlobProxy blobs;

    public RegistryMirror(MirrorConfig config, RegistryRouter router, UpstreamAuthenticator auth,
                          Supplier<Downloader> downloader) {
        this.router = router;
        this.auth = auth;
        this.blobs = new BlobProxy(downloader, config);
    }

    public MirrorResponse handle(MirrorRequest request) {
        String m = request.method();
        if (!m.equals("GET") && !m.equals("HEAD")) {
            return RegistryErrors.error(405, "UNSUPPORTED", "the operation is unsupported",
                    "dfly's registry mirror is pull-only; push to the registry itself");
        }
        if (!auth.admits(request.headers())) {
            return RegistryErrors.error(403, "DENIED", "requested access to the resource is denied",
                    "this dfdaemon does not admit the client");
        }
        String path = request.path();
        while (path.startsWith("/")) {
            path = path.substring(1);
        }
        List<String> nsValues = request.query().getOrDefault("ns", List.of());
        String ns = nsValues.isEmpty() ? null : nsValues.get(0);
        if (nsValues.size() > 1 || ns != null && !ns.isEmpty() && !RegistryRouter.isRegistryHost(ns)) {
            // never echoed: a bad ns may be a URL with a signature or user info in it
            return RegistryErrors.error(400, "NAME_INVALID", RegistryRouter.NS_RULE,
                    "containerd's ns parameter names the upstream registry once, e.g. ns=docker.io or ns=registry.example:5000");
        }
        try {
            if (path.isEmpty()) {
                Upstream up = router.route(null, ns);
                return manifests.forward(request, auth.session(request, up), up.v2(""));
            }
            Matcher tags = TAGS.matcher(path);
            if (tags.matches()) {
                String repo = tags.group(1);
                if (!NAME.matcher(repo).matches()) {
                    return nameInvalid(repo);
                }
                Upstream up = router.route(repo, ns);
                String q = queryOf(request, List.of("n", "last"));
                return manifests.forward(request, auth.session(request, up), up.v2(up.repository() + "/tags/list" + q));
            }
            Matcher o = OBJECT.matcher(path);
            if (!o.matches()) {
                if (path.equals("_catalog")) {
                    Upstream up = router.route(null, ns);
                    return manifests.forward(request, auth.session(request, up),
                            up.v2("_catalog" + queryOf(request, List.of("n", "last"))));
                }
                return RegistryErrors.error(404, "NOT_FOUND", "no such registry API route", "/v2/" + SafeText.scrub(path));
            }
            String repo = o.group(1);
            String kind = o.group(2);
            String ref = o.group(3);
            if (!NAME.matcher(repo).matches()) {
                return nameInvalid(repo);
            }
            Upstream up = router.route(repo, ns);
            URI uri = up.v2(up.repository() + "/" + kind + "/" + ref);
            UpstreamAuthenticator.Session session = auth.session(request, up);
            if (kind.equals("manifests")) {
                return manifests.forward(request, session, uri);
            }
            if (!ref.contains(":")) {
                return RegistryErrors.error(400, "DIGEST_INVALID", "provided digest did not match uploaded content",
                        "not a digest: " + SafeText.scrub(ref));
            }
            return blobs.serve(request, session, uri, ref);
        } catch (RefusedOriginException e) {
            LOG.log(Level.WARNING, "dfly mirror: refused to reach the {0} {1} for /v2/{2}: {3}",
                    new Object[]{e.what(), e.target(), SafeText.scrub(path), e.getMessage()});
            return RegistryErrors.error(403, "DENIED", e.getMessage(), "refused " + e.what() + " " + e.target());
        } catch (ConnectException | HttpConnectTimeoutException e) {
            // every text from outside the mirror (exception messages) is redacted: no query, token or user info
            LOG.log(Level.WARNING, "dfly mirror: upstream unreachable for /v2/{0}: {1}",
                    new Object[]{SafeText.scrub(path), SafeText.of(e)});
            return RegistryErrors.error(502, "UNAVAILABLE", "upstream registry unreachable", SafeText.of(e));
        } catch (IOException e) {
            LOG.log(Level.WARNING, "dfly mirror: upstream request failed for /v2/{0}: {1}",
                    new Object[]{SafeText.scrub(path), SafeText.of(e)});
            return RegistryErrors.error(502, "UNAVAILABLE", "upstream registry request failed", SafeText.of(e));
        } catch (RuntimeException e) {
            LogRecord rec = new LogRecord(Level.WARNING, "dfly mirror: cannot serve /v2/{0}");
            rec.setParameters(new Object[]{SafeText.scrub(path)});
            rec.setThrown(SafeText.scrubbed(e));
            rec.setLoggerName(LOG.getName());
            LOG.log(rec);
            return RegistryErrors.error(500, "UNKNOWN", "internal error in dfly's registry mirror", SafeText.of(e));
        }
    }

    private static MirrorResponse nameInvalid(String repo) {
        return RegistryErrors.error(400, "NAME_INVALID", "invalid repository name", SafeText.scrub(repo));
    }

    private static String queryOf(MirrorRequest request, List<String> keep) {
        StringBuilder b = new StringBuilder();
        for (String k : keep) {
            List<String> vs = request.query().get(k);
            if (vs == null) {
                continue;
            }
            for (String v : vs) {
                b.append(b.length() == 0 ? "?" : "&").append(k).append('=')
                        .append(URLEncoder.encode(v, StandardCharsets.UTF_8));
            }
        }
        return b.toString();
    }

    /** Builds the whole mirror from settings, the registry plugins, the configured auth providers and the engine. */
    public static RegistryMirror create(MirrorConfig config, List<io.dfly.spi.RegistryBackendFactory> backends,
                                        List<io.dfly.spi.AuthProvider> authProviders,
                                        java.util.function.Function<String, java.util.Optional<String>> pluginConfig,
                                        Supplier<Downloader> downloader) {
        RegistryRouter router = new RegistryRouter(config, backends, pluginConfig);
        UpstreamAuthenticator auth = new UpstreamAuthenticator(new UpstreamClient(config.origins()), authProviders, new TokenCache());
        return new RegistryMirror(config, router, auth, downloader);
    }

}
