package io.dfly.dfdaemon.download;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dfly.core.download.DownloadException;
import io.dfly.core.download.DownloadHandle;
import io.dfly.core.download.DownloadProgress;
import io.dfly.core.download.DownloadRequest;
import io.dfly.core.download.DownloadResult;
import io.dfly.core.download.Downloader;
import io.dfly.core.security.ClusterSecret;
import io.dfly.core.security.HostTokens;
import io.dfly.core.task.TaskIds;
import io.dfly.engine.PieceStore;
import io.dfly.engine.StoredTask;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The dfget API of a dfdaemon, in plain Java ({@link DownloadResource} is its JAX-RS face). A caller must
 * prove it holds the cluster secret ({@code Authorization: Dfly-Host}, minted for the request's method and
 * raw path); the daemon never writes a path a caller names: {@code POST /api/v1/downloads} downloads into
 * the host's cache and streams NDJSON progress whose last line names the task, and
 * {@code GET /api/v1/downloads/{taskId}} streams the verified bytes, which dfget writes as its own user.
 */
public final class DownloadApi {
    /** Largest request body accepted (a URL, a few headers): more is 413. */
    public static final int MAX_BODY = 64 * 1024;
    /** Response header with the file's digest on {@code GET /api/v1/downloads/{taskId}}. */
    public static final String DIGEST_HEADER = "X-Dfly-Digest";
    static final String UNAUTHORIZED = "dfget and the dfdaemon API serve enrolled hosts only: send a host token"
            + " (Authorization: Dfly-Host); this host needs the cluster secret (" + ClusterSecret.PROPERTY + ")";
    static final String NO_OUTPUT = "'output' is not accepted: dfget writes the file itself";
    private static final ObjectMapper JSON = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    private static final long PROGRESS_EVERY_MS = 250;

    /** An answer other than success: HTTP status, JSON {@code error} code and message. */
    public static final class ApiError extends Exception {
        private final int status;
        private final String code;

        public ApiError(int status, String code, String message) {
            super(message);
            this.status = status;
            this.code = code;
        }

        public int status() {
            return status;
        }

        public String code() {
            return code;
        }

        /** {@code {"error":code,"message":...}} */
        public byte[] body() {
            try {
                return JSON.writeValueAsBytes(new io.dfly.core.protocol.ErrorBody(code, getMessage()));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** The request body: {@code {"url","headers","digest","identifier","backToSource"}}. */
    public record Request(String url, Map<String, String> headers, String digest, String identifier, boolean backToSource) {
        @Override
        public String toString() {
            return "Request[url=" + io.dfly.core.security.SafeUrls.display(url) + "]"; // headers may carry credentials
        }
    }

    private final HostTokens tokens;

    public DownloadApi(HostTokens tokens) {
        this.tokens = tokens;
    }

    /**
     * @return the caller's peer id
     * @throws ApiError 401 without a good host token for this method and raw path
     */
    public String authorize(String authorization, String method, String rawPath) throws ApiError {
        return tokens.verify(authorization, method, rawPath)
                .orElseThrow(() -> new ApiError(401, "unauthorized", UNAUTHORIZED));
    }

    /**
     * Reads and checks a request body, at most {@link #MAX_BODY} bytes.
     *
     * @throws ApiError 413 for a bigger body; 400 for one that is not a JSON object, has no {@code url}, or
     *                  names an {@code output}
     */
    public static Request parse(InputStream body) throws ApiError, IOException {
        byte[] bytes = body == null ? new byte[0] : body.readNBytes(MAX_BODY + 1);
        if (bytes.length > MAX_BODY) {
            throw new ApiError(413, "payload_too_large", "request body over " + MAX_BODY / 1024 + " KiB");
        }
        JsonNode n;
        try {
            n = JSON.readTree(bytes);
        } catch (IOException e) {
            throw new ApiError(400, "bad_request", "request body is not JSON");
        }
        if (n == null || !n.isObject()) {
            throw new ApiError(400, "bad_request", "request body must be a JSON object");
        }
        if (n.has("output")) {
            throw new ApiError(400, "bad_request", NO_OUTPUT);
        }
        String url = text(n, "url");
        if (url == null) {
            throw new ApiError(400, "bad_request", "missing 'url'");
        }
        Map<String, String> headers = new LinkedHashMap<>();
        JsonNode h = n.get("headers");
        if (h != null && h.isObject()) {
            h.fields().forEachRemaining(e -> headers.put(e.getKey(), e.getValue().asText()));
        }
        JsonNode b = n.get("backToSource");
        return new Request(url, headers, text(n, "digest"), text(n, "identifier"), b == null || b.isNull() || b.asBoolean(true));
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() || v.asText().isBlank() ? null : v.asText();
    }

    /**
     * Starts the download.
     *
     * @param backToSourceAllowed the daemon's {@code dfly.dfdaemon.back-to-source}: a caller cannot turn it on
     * @throws ApiError 400 for a bad request, 403 for an origin the daemon may not fetch, 502 otherwise
     */
    public static DownloadHandle start(Downloader engine, Request r, boolean backToSourceAllowed) throws ApiError {
        try {
            return engine.start(new DownloadRequest(r.url(), r.headers(), r.digest(), r.identifier(),
                    r.backToSource() && backToSourceAllowed));
        } catch (DownloadException e) {
            int status = switch (e.kind()) {
                case BAD_REQUEST -> 400;
                case ORIGIN_DENIED -> 403;
                default -> 502;
            };
            throw new ApiError(status, e.kind().name().toLowerCase(java.util.Locale.ROOT), e.getMessage());
        }
    }

    /**
     * Writes NDJSON progress lines until the download ends; the last has {@code done=true} and either an
     * {@code error}, or {@code taskId}, {@code digest} and {@code contentLength}. Cancels the caller's share
     * of the download when the caller goes away.
     */
    public static void progress(DownloadHandle handle, OutputStream out) throws IOException {
        try {
            DownloadResult result = null;
            while (result == null) {
                try {
                    result = handle.completion().get(PROGRESS_EVERY_MS, TimeUnit.MILLISECONDS);
                } catch (TimeoutException e) {
                    line(out, handle.progress(), false, null, null);
                }
            }
            line(out, result.progress(), true, null, result);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            line(out, handle.progress(), true, String.valueOf(cause.getMessage()), null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            handle.cancel();
        } catch (IOException e) {
            handle.cancel(); // dfget went away: stop the download unless someone else needs it
            throw e;
        }
    }

    private static void line(OutputStream out, DownloadProgress p, boolean done, String error, DownloadResult result)
            throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("completedBytes", p.completedBytes());
        m.put("totalBytes", p.totalBytes());
        m.put("fromPeers", p.fromPeers());
        m.put("fromSupernode", p.fromSupernode());
        m.put("fromOrigin", p.fromOrigin());
        m.put("done", done);
        m.put("error", error);
        if (result != null) {
            m.put("taskId", result.taskId());
            m.put("digest", result.digest());
            m.put("contentLength", result.length());
        }
        out.write(JSON.writeValueAsBytes(m));
        out.write('\n');
        out.flush();
    }

    /**
     * The complete, verified file of a task in this host's cache.
     *
     * @throws ApiError 400 for a malformed id, 404 when the task is not complete here
     */
    public static StoredTask completed(PieceStore store, String taskId) throws ApiError {
        if (!TaskIds.isValid(taskId)) {
            throw new ApiError(400, "bad_request", "invalid task id (want 64 lowercase hex characters)");
        }
        return store.findComplete(taskId).orElseThrow(() -> new ApiError(404, "not_found",
                "task " + taskId + " is not complete on this dfdaemon"));
    }

    /** Whether the task's file can still be opened (GC may have removed it). */
    static Optional<InputStream> open(StoredTask t) {
        try {
            return Optional.of(java.nio.file.Files.newInputStream(t.dataFile()));
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
