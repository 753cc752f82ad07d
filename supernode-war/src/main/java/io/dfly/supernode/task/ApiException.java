package io.dfly.supernode.task;

/** An API error with its HTTP status and short code; the REST layer turns it into an ErrorBody. */
public class ApiException extends RuntimeException {
    private final int status;
    private final String code;
    private final int retryAfterSeconds;

    public ApiException(int status, String code, String message) {
        this(status, code, message, 0);
    }

    /** @param retryAfterSeconds answered as {@code Retry-After} when positive (a 503 for a full queue, say) */
    public ApiException(int status, String code, String message, int retryAfterSeconds) {
        super(message);
        this.status = status;
        this.code = code;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public int status() { return status; }

    public String code() { return code; }

    /** Seconds the client should wait before trying again, or 0 (no {@code Retry-After}). */
    public int retryAfterSeconds() { return retryAfterSeconds; }

    public static ApiException badRequest(String message) {
        return new ApiException(400, "bad_request", message);
    }

    public static ApiException notFound(String code, String message) {
        return new ApiException(404, code, message);
    }
}
