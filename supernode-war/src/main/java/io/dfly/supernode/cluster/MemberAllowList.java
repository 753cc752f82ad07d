package io.dfly.supernode.cluster;

import io.dfly.core.config.HostPort;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * The members this supernode was told to expect: {@code dfly.supernode.cluster.members} plus itself.
 * {@link MemberGuard} refuses every member connection from another address; {@link ClusterMember} also
 * reports (SEVERE) a member not in the list should one ever appear. Names are resolved at each check.
 */
public final class MemberAllowList {
    private final List<HostPort> allowed;

    public MemberAllowList(List<HostPort> configured, HostPort self) {
        List<HostPort> all = new ArrayList<>(configured);
        all.add(self);
        this.allowed = List.copyOf(all);
    }

    /** Whether a member at {@code host} (an address, as Hazelcast reports it) and {@code port} is listed. */
    public boolean allows(String host, int port) {
        InetAddress member;
        try {
            member = InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            return false;
        }
        return allowed.stream().anyMatch(h -> h.port() == port && resolvesTo(h, member));
    }

    /**
     * Whether a connection from {@code source} may be a listed member: its address is one a listed member
     * resolves to (the port of an incoming connection is ephemeral, so only the address counts).
     */
    public boolean allowsSource(InetAddress source) {
        return allowed.stream().anyMatch(h -> resolvesTo(h, source));
    }

    private static boolean resolvesTo(HostPort listed, InetAddress address) {
        try {
            for (InetAddress a : InetAddress.getAllByName(strip(listed.host()))) {
                if (a.equals(address)) {
                    return true;
                }
            }
        } catch (UnknownHostException ignored) {
            // a listed name that does not resolve allows nobody
        }
        return false;
    }

    private static String strip(String host) {
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    @Override
    public String toString() {
        return allowed.toString();
    }
}
