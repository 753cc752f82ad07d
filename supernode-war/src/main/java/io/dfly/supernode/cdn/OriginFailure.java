package io.dfly.supernode.cdn;

/**
 * The origin refused or could not be reached; carries the status and code the API answers with, and
 * whether trying again may help (a 5xx, 429 or a connection cut mid-request: yes; 404, 401, 403, a
 * refused origin or connection: no, the failure is answered at once).
 */
public class OriginFailure extends Exception {
    private final int httpStatus;
    private final String code;
    private final boolean retriable;

    public OriginFailure(int httpStatus, String code, String message) {
        this(httpStatus, code, message, false);
    }

    public OriginFailure(int httpStatus, String code, String message, boolean retriable) {
        super(message);
        this.httpStatus = httpStatus;
        this.code = code;
        this.retriable = retriable;
    }

    public int httpStatus() { return httpStatus; }

    public String code() { return code; }

    /** Whether the same request may succeed if tried again (5xx, 429, a reset): back-to-source retries it. */
    public boolean retriable() { return retriable; }

    /** Maps an origin's error status: 404 → 404, 401/403 → same, anything else → 502 (5xx and 429 retriable). */
    public static OriginFailure fromStatus(int status, String url) {
        return switch (status) {
            case 404, 410 -> new OriginFailure(404, "origin_not_found", "origin answered " + status + " for " + url);
            case 401, 403 -> new OriginFailure(status, "origin_denied", "origin answered " + status + " for " + url);
            default -> new OriginFailure(502, "origin_error", "origin answered " + status + " for " + url,
                    status >= 500 || status == 429);
        };
    }
}
