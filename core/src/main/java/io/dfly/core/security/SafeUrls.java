package io.dfly.core.security;

import java.net.URI;
import java.net.URISyntaxException;

/**
 * URLs as dfly shows them in logs, errors and listings: scheme, host, port and path only. The query (where
 * signed URLs carry {@code X-Amz-Signature}, {@code Signature}, {@code sig}, tokens…), any user info
 * ({@code user:password@}) and the fragment are never shown.
 */
public final class SafeUrls {
    private SafeUrls() {
    }

    public static String display(String url) {
        if (url == null) {
            return "(no URL)";
        }
        try {
            URI u = new URI(url);
            if (u.getScheme() == null || u.getRawAuthority() == null) {
                return cut(url);
            }
            StringBuilder b = new StringBuilder(u.getScheme()).append("://").append(u.getHost() == null ? "?" : u.getHost());
            if (u.getPort() >= 0) {
                b.append(':').append(u.getPort());
            }
            b.append(u.getRawPath() == null || u.getRawPath().isEmpty() ? "/" : u.getRawPath());
            return b.toString();
        } catch (URISyntaxException e) {
            return cut(url);
        }
    }

    public static String display(URI uri) {
        return uri == null ? "(no URL)" : display(uri.toString());
    }

    /** Not a URL: everything from the first '?', '#' or '@' on is dropped. */
    private static String cut(String s) {
        int end = s.length();
        for (char c : new char[]{'?', '#', '@'}) {
            int i = s.indexOf(c);
            if (i >= 0) {
                end = Math.min(end, i);
            }
        }
        return s.substring(0, end);
    }
}
