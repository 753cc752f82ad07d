package io.dfly.spi;

import java.util.Locale;
import java.util.Set;

/**
 * Registry host names as plugins compare them: credentials configured for {@code https://index.docker.io/v1/}
 * must match a pull from {@code docker.io}.
 */
public final class RegistryHosts {
    /** Every name Docker Hub goes by; {@link #canonical(String)} maps them all to {@code docker.io}. */
    public static final Set<String> DOCKER_HUB = Set.of("docker.io", "index.docker.io", "registry-1.docker.io",
            "registry.hub.docker.com");

    private RegistryHosts() {
    }

    /**
     * The host part of a host, {@code host:port} or URL, lower-cased, without a default {@code :443},
     * with Docker Hub's names folded into {@code docker.io}.
     */
    public static String canonical(String hostOrUrl) {
        String h = hostOrUrl.trim().toLowerCase(Locale.ROOT);
        int scheme = h.indexOf("://");
        if (scheme >= 0) {
            h = h.substring(scheme + 3);
        }
        int slash = h.indexOf('/');
        if (slash >= 0) {
            h = h.substring(0, slash);
        }
        if (h.endsWith(":443")) {
            h = h.substring(0, h.length() - 4);
        }
        return DOCKER_HUB.contains(h) ? "docker.io" : h;
    }
}
