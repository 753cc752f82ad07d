package io.dfly.engine;

import io.dfly.core.download.DownloadException;

/**
 * A supernode answered but will not work with this host: 401, it does not know our cluster secret (the
 * host is not enrolled), or 403 {@code origin_refused}, its origin policy does not let it fetch the URL.
 * Like an unreachable supernode, this falls back to the origin (with one WARN line saying what to fix)
 * unless back-to-source is disabled; the engine's own origin policy still applies to that fetch.
 */
public final class SupernodeRefusedException extends DownloadException {
    public SupernodeRefusedException(String message) {
        super(Kind.NO_SOURCE, message);
    }
}
