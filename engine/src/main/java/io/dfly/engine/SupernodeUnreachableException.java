package io.dfly.engine;

import java.io.IOException;

/** No configured supernode answered (connection refused, timeout, or a 5xx meaning it cannot serve). */
public final class SupernodeUnreachableException extends IOException {
    private final String addresses;

    public SupernodeUnreachableException(String addresses, String detail) {
        super("supernode " + addresses + " unreachable (" + detail + ")");
        this.addresses = addresses;
    }

    /** The supernode addresses tried, e.g. {@code 10.0.0.5:8002,10.0.0.6:8002}. */
    public String addresses() {
        return addresses;
    }
}
