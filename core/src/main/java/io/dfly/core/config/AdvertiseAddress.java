package io.dfly.core.config;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.util.Collections;

/** Picks the address a server tells others to reach it by, when {@code advertise-ip} is {@code auto}. */
public final class AdvertiseAddress {
    private AdvertiseAddress() {
    }

    /** The configured value, or for {@code auto}/empty the first up, non-loopback IPv4 address (else 127.0.0.1). */
    public static String resolve(String configured) {
        if (configured != null && !configured.isBlank() && !configured.equalsIgnoreCase("auto")) {
            return configured.trim();
        }
        try {
            for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (!nif.isUp() || nif.isLoopback()) {
                    continue;
                }
                for (InetAddress a : Collections.list(nif.getInetAddresses())) {
                    if (a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress()) {
                        return a.getHostAddress();
                    }
                }
            }
        } catch (Exception ignored) {
            // fall back to loopback
        }
        return "127.0.0.1";
    }
}
