package io.dfly.supernode.cdn;

/** The origin refused or could not be reached; carries the status and code the API answers with. */
public class OriginFailure extends Exception {
    private final int httpStatus;
    private final String code;

    public OriginFailure(int httpStatus, String code, String message) {
        super(message);
        this.httpStatus = httpStatus;
        this.code = code;
    }

    public int httpStatus() { return httpStatus; }

    public String code() { return code; }

    /** Maps an origin's error status: 404 → 404, 401/403 → same, anything else → 502. */
    public static OriginFailure fromStatus(int status, String url) {
        return switch (status) {
            case 404, 410 -> new OriginFailure(404, "origin_not_found", "origin answered " + status + " for " + url);
            case 401, 403 -> new OriginFailure(status, "origin_denied", "origin answered " + status + " for " + url);
            default -> new OriginFailure(502, "origin_error", "origin answered " + status + " for " + url);
        };
    }
}
