package io.dfly.core.security;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Which request headers are credentials, and where they may go: only to the exact origin (scheme, host and
 * port) they were given for — never to a redirect target on another host or scheme, never to a peer.
 */
public final class Credentials {
    private static final Set<String> CREDENTIAL_HEADERS = Set.of("authorization", "proxy-authorization", "cookie",
            "x-amz-security-token", "x-registry-auth");

    private Credentials() {
    }

    public static boolean isCredential(String headerName) {
        return headerName != null && CREDENTIAL_HEADERS.contains(headerName.toLowerCase(Locale.ROOT));
    }

    /** Whether two URLs share scheme, host and port (default ports made explicit). */
    public static boolean sameOrigin(URI a, URI b) {
        if (a == null || b == null || a.getScheme() == null || b.getScheme() == null || a.getHost() == null
                || b.getHost() == null) {
            return false;
        }
        return a.getScheme().equalsIgnoreCase(b.getScheme()) && a.getHost().equalsIgnoreCase(b.getHost())
                && port(a) == port(b);
    }

    /** The headers without any credential. */
    public static Map<String, String> strip(Map<String, String> headers) {
        Map<String, String> out = new LinkedHashMap<>();
        if (headers != null) {
            headers.forEach((k, v) -> {
                if (!isCredential(k)) {
                    out.put(k, v);
                }
            });
        }
        return out;
    }

    /** The multi-valued headers without any credential. */
    public static Map<String, List<String>> stripAll(Map<String, List<String>> headers) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        if (headers != null) {
            headers.forEach((k, v) -> {
                if (!isCredential(k)) {
                    out.put(k, v);
                }
            });
        }
        return out;
    }

    /** The headers for a request to {@code target} when they were given for {@code origin}. */
    public static Map<String, String> forTarget(URI origin, URI target, Map<String, String> headers) {
        return sameOrigin(origin, target) ? (headers == null ? Map.of() : headers) : strip(headers);
    }

    private static int port(URI u) {
        if (u.getPort() >= 0) {
            return u.getPort();
        }
        return u.getScheme().equalsIgnoreCase("https") ? 443 : 80;
    }
}
