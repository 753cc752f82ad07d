package io.dfly.mirror;

import io.dfly.core.security.OriginPolicy;

import java.util.List;
import java.util.Locale;

/**
 * What the mirror needs from dfdaemon's settings.
 *
 * @param defaultRegistry     upstream URL for registry-host mode and docker's registry-mirrors
 * @param routes              {@code repoPrefix=upstreamUrl} rules checked before the default
 * @param insecureRegistries  hosts (optionally host:port) reached over plain http
 * @param p2pMinSize          blobs smaller than this pass straight through
 * @param backToSource        whether the engine may fetch from the origin when P2P fails
 * @param origins             which upstream hosts (and token realms, and redirect targets) the mirror may reach
 *                            ({@code dfly.dfdaemon.allowed-registries} plus the configured registry and routes)
 */
public record MirrorConfig(String defaultRegistry, List<String> routes, List<String> insecureRegistries,
                           long p2pMinSize, boolean backToSource, OriginPolicy origins) {
    public MirrorConfig {
        routes = List.copyOf(routes);
        insecureRegistries = insecureRegistries.stream().map(s -> s.trim().toLowerCase(Locale.ROOT)).toList();
        origins = origins == null ? OriginPolicy.allowAll() : origins;
    }

    /** A mirror that may reach any upstream (unit tests of routing and proxying). */
    public MirrorConfig(String defaultRegistry, List<String> routes, List<String> insecureRegistries, long p2pMinSize,
                        boolean backToSource) {
        this(defaultRegistry, routes, insecureRegistries, p2pMinSize, backToSource, OriginPolicy.allowAll());
    }

    /** Whether {@code hostPort} (e.g. {@code 127.0.0.1:5000}) is reached over http. */
    public boolean insecure(String hostPort) {
        String hp = hostPort.toLowerCase(Locale.ROOT);
        String host = hp;
        if (hp.startsWith("[")) {
            int end = hp.indexOf(']');
            host = end > 0 ? hp.substring(1, end) : hp;
        } else if (hp.indexOf(':') == hp.lastIndexOf(':') && hp.contains(":")) {
            host = hp.substring(0, hp.indexOf(':'));
        }
        return insecureRegistries.contains(hp) || insecureRegistries.contains(host);
    }
}
