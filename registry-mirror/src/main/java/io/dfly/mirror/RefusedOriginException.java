package io.dfly.mirror;

import io.dfly.core.security.SafeUrls;

import java.io.IOException;
import java.net.URI;

/**
 * The mirror will not reach a URL: its host resolves to an internal address that the origin policy does
 * not list ({@code dfly.dfdaemon.allowed-registries}). The message is the policy's reason, which names
 * that property; {@link RegistryMirror} answers it as 403 DENIED. Nothing in it carries a query string or
 * user info.
 */
public final class RefusedOriginException extends IOException {
    private final String what;
    private final String target;

    /**
     * @param what   which kind of URL was refused ("upstream", "redirect target", "token realm")
     * @param uri    the refused URL (shown without query or user info)
     * @param reason the policy's refusal text
     */
    public RefusedOriginException(String what, URI uri, String reason) {
        super(reason);
        this.what = what;
        this.target = SafeUrls.display(uri);
    }

    /** Which kind of URL was refused. */
    public String what() {
        return what;
    }

    /** The refused URL as it may be shown: scheme, host, port and path. */
    public String target() {
        return target;
    }
}
