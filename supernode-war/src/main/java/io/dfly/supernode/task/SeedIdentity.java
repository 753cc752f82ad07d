package io.dfly.supernode.task;

/**
 * Who this supernode member is: its cluster member id, and how it appears in swarms as a source
 * ({@code supernode:<advertise-ip>:<port>}, pieces at {@code baseUrl}).
 */
public record SeedIdentity(String memberId, String sourceId, String baseUrl) {
    public static SeedIdentity of(String memberId, String advertiseIp, int port) {
        return new SeedIdentity(memberId, "supernode:" + advertiseIp + ":" + port, "http://" + advertiseIp + ":" + port);
    }
}
