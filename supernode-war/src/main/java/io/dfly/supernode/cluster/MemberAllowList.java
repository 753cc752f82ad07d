package io.dfly.supernode.cluster;

import io.dfly.core.config.HostPort;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * The members this supernode was told to expect: {@code dfly.supernode.cluster.members} plus itself. Open-source
 * Hazelcast cannot refuse a member at join time by address (its trusted interfaces apply to multicast only,
 * and socket interceptors are an Enterprise feature), so what is enforced is the cluster name derived from the
 * cluster secret; this list is checked when a member joins, and one not in it is reported (SEVERE) by
 * {@link ClusterMember}. Names in the list are resolved at each check.
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
        for (HostPort h : allowed) {
            if (h.port() != port) {
                continue;
            }
            try {
                for (InetAddress a : InetAddress.getAllByName(strip(h.host()))) {
                    if (a.equals(member)) {
                        return true;
                    }
                }
            } catch (UnknownHostException ignored) {
                // a listed name that does not resolve allows nobody
            }
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
