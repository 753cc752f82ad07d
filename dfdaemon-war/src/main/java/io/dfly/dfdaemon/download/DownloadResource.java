package io.dfly.dfdaemon.download;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dfly.core.download.DownloadException;
import io.dfly.core.download.DownloadHandle;
import io.dfly.core.download.DownloadProgress;
import io.dfly.core.download.DownloadRequest;
import io.dfly.core.download.DownloadResult;
import io.dfly.core.protocol.ErrorBody;
import io.dfly.dfdaemon.engine.EngineProducer;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@code POST /api/v1/downloads} for dfget: downloads through the host's engine, streams NDJSON progress
 * lines ({@code completedBytes,totalBytes,fromPeers,fromSupernode,fromOrigin,done,error}) and writes
 * the verified file to {@code output} (via {@code output.dfly-tmp} and an atomic move, so a failed
 * download leaves no partial file). The host keeps seeding the task afterwards.
 */
@Path("api/v1/downloads")
@RequestScoped
public class DownloadResource {
    private static final Logger LOG = Logger.getLogger("io.dfly.dfdaemon");
    private static final ObjectMapper JSON = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    private static final long PROGRESS_EVERY_MS = 250;

    @Inject
    EngineProducer engines;
    @Inject
    io.dfly.dfdaemon.config.DfdaemonSettings settings;

    @POST
    @Consumes(MediaType.WILDCARD)
    public Response download(String body) throws IOException {
        DownloadApiRequest req;
        try {
            req = DownloadApiRequest.parse(JSON.readTree(body));
        } catch (IllegalArgumentException e) {
            return error(400, "bad_request", e.getMessage());
        } catch (IOException e) {
            return error(400, "bad_request", "request body is not JSON");
        }
        DownloadHandle handle;
        try {
            handle = engines.engine().start(new DownloadRequest(req.url(), req.headers(), req.digest(), req.identifier(),
                    req.backToSource() && settings.backToSource()));
        } catch (DownloadException e) {
            int status = e.kind() == DownloadException.Kind.BAD_REQUEST ? 400 : 502;
            return error(status, e.kind().name().toLowerCase(), e.getMessage());
        }
        StreamingOutput stream = out -> run(handle, req, out);
        return Response.ok(stream, "application/x-ndjson").build();
    }

    private void run(DownloadHandle handle, DownloadApiRequest req, OutputStream out) throws IOException {
        try {
            DownloadResult result = null;
            while (result == null) {
                try {
                    result = handle.completion().get(PROGRESS_EVERY_MS, TimeUnit.MILLISECONDS);
                } catch (TimeoutException e) {
                    line(out, handle.progress(), false, null);
                }
            }
            java.nio.file.Path tmp = req.output().resolveSibling(req.output().getFileName() + ".dfly-tmp");
            try {
                Files.copy(result.file(), tmp, StandardCopyOption.REPLACE_EXISTING);
                Files.move(tmp, req.output(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                Files.deleteIfExists(tmp);
                line(out, result.progress(), true, "cannot write " + req.output() + ": " + e.getMessage());
                return;
            }
            line(out, result.progress(), true, null);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            line(out, handle.progress(), true, cause.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            handle.cancel();
        } catch (IOException e) {
            // dfget went away: stop the download unless someone else needs it
            LOG.log(Level.FINE, "dfget disconnected", e);
            handle.cancel();
            throw e;
        }
    }

    private static void line(OutputStream out, DownloadProgress p, boolean done, String error) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("completedBytes", p.completedBytes());
        m.put("totalBytes", p.totalBytes());
        m.put("fromPeers", p.fromPeers());
        m.put("fromSupernode", p.fromSupernode());
        m.put("fromOrigin", p.fromOrigin());
        m.put("done", done);
        m.put("error", error);
        out.write(JSON.writeValueAsBytes(m));
        out.write('\n');
        out.flush();
    }

    private static Response error(int status, String code, String message) throws IOException {
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE)
                .entity(new String(JSON.writeValueAsBytes(new ErrorBody(code, message)), StandardCharsets.UTF_8)).build();
    }

    /** The request body: {@code {"url","output","headers","digest","identifier","backToSource"}}. */
    record DownloadApiRequest(String url, java.nio.file.Path output, Map<String, String> headers, String digest,
                              String identifier, boolean backToSource) {
        static DownloadApiRequest parse(JsonNode n) {
            if (n == null || !n.isObject()) {
                throw new IllegalArgumentException("request body must be a JSON object");
            }
            String url = text(n, "url");
            String output = text(n, "output");
            if (url == null) {
                throw new IllegalArgumentException("missing 'url'");
            }
            if (output == null) {
                throw new IllegalArgumentException("missing 'output'");
            }
            java.nio.file.Path out = java.nio.file.Path.of(output);
            if (!out.isAbsolute()) {
                throw new IllegalArgumentException("'output' must be an absolute path: " + output);
            }
            if (out.getParent() == null || !Files.isDirectory(out.getParent())) {
                throw new IllegalArgumentException("directory of 'output' does not exist: " + out.getParent());
            }
            Map<String, String> headers = new LinkedHashMap<>();
            JsonNode h = n.get("headers");
            if (h != null && h.isObject()) {
                h.fields().forEachRemaining(e -> headers.put(e.getKey(), e.getValue().asText()));
            }
            JsonNode b = n.get("backToSource");
            return new DownloadApiRequest(url, out.normalize(), headers, text(n, "digest"), text(n, "identifier"),
                    b == null || b.isNull() || b.asBoolean(true));
        }

        private static String text(JsonNode n, String field) {
            JsonNode v = n.get(field);
            return v == null || v.isNull() || v.asText().isBlank() ? null : v.asText();
        }

        @Override
        public String toString() {
            return "DownloadApiRequest[url=" + url + ", output=" + output + "]"; // headers may carry credentials
        }
    }
}
