package io.dfly.core.protocol;

/**
 * The {@code User-Agent} dfly sends to origins and registries, so their access logs show which requests
 * came from dfly (and from which part of it) rather than from a client. A client's own User-Agent is
 * never forwarded upstream.
 */
public final class UserAgent {
    public static final String VERSION = "0.1.0";
    /** The supernode's back-to-source and preheat requests. */
    public static final String SUPERNODE = "dfly-supernode/" + VERSION;
    /** dfdaemon's registry mirror and its origin fallback (also dfget running the engine in-process). */
    public static final String DFDAEMON = "dfly-dfdaemon/" + VERSION;
    public static final String HEADER = "User-Agent";

    private UserAgent() {
    }
}
