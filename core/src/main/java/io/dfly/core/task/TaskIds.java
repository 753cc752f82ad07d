package io.dfly.core.task;

import io.dfly.core.piece.Digests;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Task ids: 64 lowercase hex characters, safe as a file name. Derived from the content when known
 * (a {@code sha256:} digest, or a client-given identifier) together with the origin it comes from
 * (scheme, host and port of the URL), otherwise from the URL with volatile query parameters removed.
 * So the same layer reached through different repositories of one registry is one task, but bytes
 * fetched from registry A are never one task with what registry B claims to hold: a client is served
 * only what the origin that authorized it would serve.
 */
public final class TaskIds {
    /** Query parameters that change per request but not the content (signed URLs). */
    public static final List<String> DEFAULT_VOLATILE_PARAMS = List.of("Signature", "Expires", "OSSAccessKeyId",
            "X-Amz-Signature", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-Security-Token", "sig", "se");
    private static final Pattern VALID = Pattern.compile("[a-f0-9]{64}");

    private TaskIds() {
    }

    /**
     * @param url            origin URL
     * @param digest         expected content digest, or null
     * @param identifier     client-given identity, or null
     * @param volatileParams query parameter names to ignore (case-sensitive)
     */
    public static String derive(String url, String digest, String identifier, Collection<String> volatileParams) {
        if (digest != null && !digest.isBlank()) {
            return sha256Hex("digest:" + Digests.requireValid(digest) + "@" + originOf(url));
        }
        if (identifier != null && !identifier.isBlank()) {
            return sha256Hex("id:" + identifier + "@" + originOf(url));
        }
        return sha256Hex("url:" + normalizeUrl(url, volatileParams));
    }

    /** The URL with volatile query parameters dropped, the rest sorted; scheme and host lower-cased. */
    public static String normalizeUrl(String url, Collection<String> volatileParams) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a valid URL: " + io.dfly.core.security.SafeUrls.display(url));
        }
        if (uri.getScheme() == null || uri.getHost() == null) {
            throw new IllegalArgumentException("not an absolute http(s) URL: " + io.dfly.core.security.SafeUrls.display(url));
        }
        Set<String> drop = Set.copyOf(volatileParams);
        List<String> kept = new ArrayList<>();
        String query = uri.getRawQuery();
        if (query != null) {
            for (String part : query.split("&")) {
                if (part.isEmpty()) {
                    continue;
                }
                String name = part.split("=", 2)[0];
                if (!drop.contains(name)) {
                    kept.add(part);
                }
            }
        }
        StringBuilder sb = new StringBuilder();
        sb.append(uri.getScheme().toLowerCase(Locale.ROOT)).append("://").append(uri.getHost().toLowerCase(Locale.ROOT));
        if (uri.getPort() != -1) {
            sb.append(':').append(uri.getPort());
        }
        sb.append(uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath());
        if (!kept.isEmpty()) {
            sb.append('?').append(String.join("&", new TreeSet<>(kept)));
        }
        return sb.toString();
    }

    /** {@code scheme://host:port} of a URL, lower-cased, default ports explicit: the scope of content-keyed ids. */
    public static String originOf(String url) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalArgumentException("not a valid URL: " + io.dfly.core.security.SafeUrls.display(url));
        }
        if (uri.getScheme() == null || uri.getHost() == null) {
            throw new IllegalArgumentException("not an absolute http(s) URL: " + io.dfly.core.security.SafeUrls.display(url));
        }
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        int port = uri.getPort() >= 0 ? uri.getPort() : scheme.equals("https") ? 443 : 80;
        return scheme + "://" + uri.getHost().toLowerCase(Locale.ROOT) + ":" + port;
    }

    public static boolean isValid(String taskId) {
        return taskId != null && VALID.matcher(taskId).matches();
    }

    /** Throws {@link IllegalArgumentException} unless the id is 64 lowercase hex characters (no path tricks). */
    public static String requireValid(String taskId) {
        if (!isValid(taskId)) {
            throw new IllegalArgumentException("invalid task id (want 64 lowercase hex characters)");
        }
        return taskId;
    }

    private static String sha256Hex(String s) {
        return HexFormat.of().formatHex(Digests.newSha256().digest(s.getBytes(StandardCharsets.UTF_8)));
    }
}
