package io.dfly.plugin.registry.aliyun;

import io.dfly.spi.Plugin;
import io.dfly.spi.PluginSettings;
import io.dfly.spi.RegistryBackend;
import io.dfly.spi.RegistryBackendFactory;
import io.dfly.spi.SimpleRegistryBackend;

import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Alibaba Cloud Container Registry (ACR):
 * <ul>
 *   <li>personal edition {@code registry.<region>.aliyuncs.com} and its VPC twin {@code registry-vpc.<region>.aliyuncs.com}
 *       (also {@code registry-intl[-vpc]});</li>
 *   <li>enterprise edition {@code <instance>-registry.<region>.cr.aliyuncs.com} ({@code -registry-vpc} inside the VPC);</li>
 *   <li>Docker Hub accelerators {@code <id>.mirror.aliyuncs.com} (official images under {@code library/}).</li>
 * </ul>
 * Tokens come from the realm ACR names in its challenge. Setting {@code dfly.plugin.aliyun.vpc=true} sends
 * traffic for a public endpoint to its VPC endpoint (same region, no internet egress).
 */
public final class AliyunPlugin implements Plugin, RegistryBackendFactory {
    public static final String NAME = "aliyun";
    static final Pattern PERSONAL = Pattern.compile("registry(-intl)?(-vpc)?\\.([a-z0-9-]+)\\.aliyuncs\\.com");
    static final Pattern ENTERPRISE = Pattern.compile("([a-z0-9-]+)-registry(-vpc)?\\.([a-z0-9-]+)\\.cr\\.aliyuncs\\.com");
    static final Pattern ACCELERATOR = Pattern.compile("[a-z0-9]+\\.mirror\\.aliyuncs\\.com");

    /** The kinds of ACR endpoint. */
    enum Kind { PERSONAL, ENTERPRISE, ACCELERATOR }

    @Override
    public List<RegistryBackendFactory> registryBackendFactories() {
        return List.of(this);
    }

    @Override
    public String name() {
        return NAME;
    }

    static String bareHost(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        return h.endsWith(":443") ? h.substring(0, h.length() - 4) : h;
    }

    static Kind kind(String host) {
        String h = bareHost(host);
        if (PERSONAL.matcher(h).matches()) {
            return Kind.PERSONAL;
        }
        if (ENTERPRISE.matcher(h).matches()) {
            return Kind.ENTERPRISE;
        }
        if (ACCELERATOR.matcher(h).matches()) {
            return Kind.ACCELERATOR;
        }
        return null;
    }

    @Override
    public boolean handles(String host, PluginSettings settings) {
        return kind(host) != null;
    }

    /** The VPC endpoint of a public one (unchanged for accelerators and VPC endpoints). */
    static String vpcHost(String host) {
        Matcher p = PERSONAL.matcher(host);
        if (p.matches() && p.group(2) == null) {
            return "registry" + (p.group(1) == null ? "" : p.group(1)) + "-vpc." + p.group(3) + ".aliyuncs.com";
        }
        Matcher e = ENTERPRISE.matcher(host);
        if (e.matches() && e.group(2) == null) {
            return e.group(1) + "-registry-vpc." + e.group(3) + ".cr.aliyuncs.com";
        }
        return host;
    }

    @Override
    public RegistryBackend create(String upstream, PluginSettings settings) {
        URI given = URI.create(upstream.contains("://") ? upstream : "https://" + upstream);
        String host = bareHost(given.getRawAuthority());
        Kind kind = kind(host);
        boolean vpc = Boolean.parseBoolean(settings.get("vpc", "false"));
        String target = vpc ? vpcHost(host) : host;
        URI endpoint = URI.create(given.getScheme() + "://" + target);
        return new SimpleRegistryBackend(NAME, endpoint, host, "Aliyun ACR (" + kind + ")") {
            @Override
            public String upstreamRepository(String repository) {
                if (kind == Kind.ACCELERATOR && !repository.contains("/")) {
                    return "library/" + repository;
                }
                return repository;
            }
        };
    }
}
