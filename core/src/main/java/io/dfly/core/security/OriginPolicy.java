package io.dfly.core.security;

import io.dfly.core.config.InvalidSettingException;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Which origins a daemon may fetch. A host is refused when any address it resolves to is loopback,
 * link-local (169.254.0.0/16, fe80::/10), private (10/8, 172.16/12, 192.168/16, fc00::/7), unspecified,
 * carrier-grade NAT (100.64/10) or multicast — unless it is listed: by name, by a {@code *.suffix}
 * wildcard, or by a CIDR (or single address) that covers every address it resolves to. Checked after DNS,
 * and again by the callers on every redirect hop.
 *
 * <p>It cannot stop a DNS server that answers differently a moment later (rebinding): the HTTP clients
 * resolve again when they connect. docs/SECURITY.md says so.
 */
public final class OriginPolicy {
    /** Resolves a host name to its addresses (the JDK resolver outside tests). */
    public interface Resolver {
        InetAddress[] resolve(String host) throws UnknownHostException;
    }

    private record Cidr(byte[] network, int prefix) {
        boolean contains(InetAddress a) {
            byte[] b = a.getAddress();
            if (b.length != network.length) {
                return false;
            }
            int full = prefix / 8;
            for (int i = 0; i < full; i++) {
                if (b[i] != network[i]) {
                    return false;
                }
            }
            int rest = prefix % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xff << (8 - rest)) & 0xff;
            return (b[full] & mask) == (network[full] & mask);
        }
    }

    private final String property;
    private final boolean allowAll;
    private final List<String> names;
    private final List<String> suffixes;
    private final List<Cidr> cidrs;
    private final Resolver resolver;

    private OriginPolicy(String property, boolean allowAll, List<String> names, List<String> suffixes, List<Cidr> cidrs,
                         Resolver resolver) {
        this.property = property;
        this.allowAll = allowAll;
        this.names = List.copyOf(names);
        this.suffixes = List.copyOf(suffixes);
        this.cidrs = List.copyOf(cidrs);
        this.resolver = resolver;
    }

    /** No restriction: dfget fetching for its own user, in-process. */
    public static OriginPolicy allowAll() {
        return new OriginPolicy("(none)", true, List.of(), List.of(), List.of(), InetAddress::getAllByName);
    }

    /**
     * @param property the setting the entries came from (named in refusals and parse errors)
     * @param entries  host names, {@code *.suffix} wildcards, addresses or CIDRs ({@code host:port} is taken as host)
     * @throws InvalidSettingException for an entry that is none of these
     */
    public static OriginPolicy of(String property, Collection<String> entries) {
        return of(property, entries, InetAddress::getAllByName);
    }

    public static OriginPolicy of(String property, Collection<String> entries, Resolver resolver) {
        List<String> names = new ArrayList<>();
        List<String> suffixes = new ArrayList<>();
        List<Cidr> cidrs = new ArrayList<>();
        for (String raw : entries) {
            String e = raw == null ? "" : raw.trim().toLowerCase(Locale.ROOT);
            if (e.isEmpty()) {
                continue;
            }
            if (e.startsWith("*.")) {
                String suffix = e.substring(1);
                if (suffix.length() < 2 || !suffix.substring(1).matches("[a-z0-9.-]+")) {
                    throw new InvalidSettingException(property, "invalid value '" + raw + "' for " + property
                            + ": want a host name, *.suffix, an address or a CIDR");
                }
                suffixes.add(suffix);
                continue;
            }
            Cidr c = parseCidr(e, property, raw);
            if (c != null) {
                cidrs.add(c);
                continue;
            }
            String host = stripPort(e);
            if (!host.matches("[a-z0-9]([a-z0-9.-]*[a-z0-9])?")) {
                throw new InvalidSettingException(property, "invalid value '" + raw + "' for " + property
                        + ": want a host name, *.suffix, an address or a CIDR");
            }
            names.add(host);
        }
        return new OriginPolicy(property, false, names, suffixes, cidrs, resolver);
    }

    /** This policy with more hosts listed (a dfdaemon's own registry and routes count as listed). */
    public OriginPolicy plusHosts(Collection<String> hosts) {
        if (allowAll) {
            return this;
        }
        List<String> more = new ArrayList<>(names);
        for (String h : hosts) {
            if (h != null && !h.isBlank()) {
                more.add(stripPort(h.trim().toLowerCase(Locale.ROOT)));
            }
        }
        return new OriginPolicy(property, false, more, suffixes, cidrs, resolver);
    }

    /**
     * Why dfly must not fetch {@code uri}, or empty when it may. A host that does not resolve is not refused
     * here (the fetch then fails with "unreachable", as it would anyway).
     */
    public Optional<String> refusal(URI uri) {
        if (allowAll || uri == null) {
            return Optional.empty();
        }
        String host = uri.getHost();
        if (host == null) {
            return Optional.of("no host in URL");
        }
        return refusal(host);
    }

    public Optional<String> refusal(String rawHost) {
        if (allowAll) {
            return Optional.empty();
        }
        String host = rawHost.toLowerCase(Locale.ROOT);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        if (names.contains(host)) {
            return Optional.empty();
        }
        for (String s : suffixes) {
            if (host.endsWith(s)) {
                return Optional.empty();
            }
        }
        InetAddress[] addresses;
        try {
            addresses = resolver.resolve(host);
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
        for (InetAddress a : addresses) {
            if (cidrs.stream().anyMatch(c -> c.contains(a))) {
                continue;
            }
            String kind = internalKind(a);
            if (kind != null) {
                return Optional.of("origin host " + rawHost + " resolves to " + a.getHostAddress() + ", a " + kind
                        + " address: dfly does not fetch internal addresses unless " + property + " lists the host");
            }
        }
        return Optional.empty();
    }

    /** Null for a public address; else what kind of internal address it is. */
    static String internalKind(InetAddress a) {
        if (a instanceof Inet6Address six) {
            byte[] b = six.getAddress();
            boolean mapped = true;
            for (int i = 0; i < 10; i++) {
                mapped &= b[i] == 0;
            }
            if (mapped && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff) {
                try {
                    return internalKind(InetAddress.getByAddress(new byte[]{b[12], b[13], b[14], b[15]}));
                } catch (UnknownHostException e) {
                    return "malformed";
                }
            }
            if ((b[0] & 0xfe) == 0xfc) {
                return "private (fc00::/7)";
            }
        }
        if (a.isLoopbackAddress()) {
            return "loopback";
        }
        if (a.isLinkLocalAddress()) {
            return "link-local";
        }
        if (a.isSiteLocalAddress()) {
            return "private";
        }
        if (a.isAnyLocalAddress()) {
            return "unspecified";
        }
        if (a.isMulticastAddress()) {
            return "multicast";
        }
        if (a instanceof Inet4Address) {
            byte[] b = a.getAddress();
            int b0 = b[0] & 0xff;
            int b1 = b[1] & 0xff;
            if (b0 == 100 && b1 >= 64 && b1 < 128) {
                return "carrier-grade NAT (100.64/10)";
            }
            if (b0 == 0) {
                return "unspecified";
            }
        }
        return null;
    }

    private static Cidr parseCidr(String e, String property, String raw) {
        String addr = e;
        int prefix = -1;
        int slash = e.indexOf('/');
        if (slash >= 0) {
            addr = e.substring(0, slash);
            try {
                prefix = Integer.parseInt(e.substring(slash + 1));
            } catch (NumberFormatException ex) {
                throw new InvalidSettingException(property, "invalid CIDR '" + raw + "' for " + property);
            }
        }
        if (addr.startsWith("[") && addr.endsWith("]")) {
            addr = addr.substring(1, addr.length() - 1);
        }
        boolean literal = addr.matches("[0-9.]+") && addr.chars().filter(ch -> ch == '.').count() == 3
                || addr.contains(":") && addr.matches("[0-9a-f:.]+") && addr.indexOf(':') != addr.lastIndexOf(':');
        if (!literal) {
            if (slash >= 0) {
                throw new InvalidSettingException(property, "invalid CIDR '" + raw + "' for " + property);
            }
            return null;
        }
        byte[] bytes;
        try {
            bytes = InetAddress.getByName(addr).getAddress(); // a literal: no DNS
        } catch (UnknownHostException ex) {
            throw new InvalidSettingException(property, "invalid address '" + raw + "' for " + property);
        }
        int max = bytes.length * 8;
        if (prefix < 0) {
            prefix = max;
        }
        if (prefix > max) {
            throw new InvalidSettingException(property, "invalid CIDR '" + raw + "' for " + property);
        }
        return new Cidr(bytes, prefix);
    }

    private static String stripPort(String hostPort) {
        String h = hostPort;
        if (h.startsWith("[")) {
            int end = h.indexOf(']');
            return end > 0 ? h.substring(1, end) : h;
        }
        int colon = h.indexOf(':');
        if (colon > 0 && colon == h.lastIndexOf(':')) {
            return h.substring(0, colon);
        }
        return h;
    }

    /** The setting named in refusals. */
    public String property() {
        return property;
    }

    @Override
    public String toString() {
        return allowAll ? "OriginPolicy[any]" : "OriginPolicy[" + property + ": names=" + names + ", *" + suffixes
                + ", cidrs=" + cidrs.size() + "]";
    }
}
