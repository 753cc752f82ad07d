package io.dfly.core.config;

/** A {@code host:port} pair, e.g. a supernode address. */
public record HostPort(String host, int port) {
    public static HostPort parse(String text, int defaultPort) {
        String t = text.trim();
        String host = t;
        int port = defaultPort;
        int colon = t.lastIndexOf(':');
        if (colon > 0 && t.indexOf(']') < colon) {
            host = t.substring(0, colon);
            try {
                port = Integer.parseInt(t.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad port in '" + text + "'");
            }
        }
        if (host.isEmpty() || port < 1 || port > 65535) {
            throw new IllegalArgumentException("bad address '" + text + "'");
        }
        return new HostPort(host, port);
    }

    public String baseUrl() {
        return "http://" + host + ":" + port;
    }

    @Override
    public String toString() {
        return host + ":" + port;
    }
}
