package io.dfly.mirror;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Manifests (by tag or digest), tag lists, the API root: proxied directly, never P2P. Every Accept
 * header the client sent goes upstream as sent; Content-Type, Docker-Content-Digest, Content-Length and
 * challenges come back unchanged.
 */
public final class ManifestProxy {
    public MirrorResponse forward(MirrorRequest request, UpstreamAuthenticator.Session session, java.net.URI uri)
            throws IOException {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        List<String> accept = request.headers("accept");
        if (!accept.isEmpty()) {
            headers.put("Accept", accept);
        }
        String method = request.method().equals("HEAD") ? "HEAD" : "GET";
        HttpResponse<InputStream> r = session.send(method, uri, headers);
        return Relay.relay(r, method.equals("GET"));
    }
}
