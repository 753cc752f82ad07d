package io.dfly.it.faults;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dfly.core.piece.Digests;
import io.dfly.core.security.HostTokens;
import io.dfly.it.harness.DflyNode;
import io.dfly.it.harness.TestSecrets;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * What dfget does, over HTTP against a real dfdaemon: {@code POST /api/v1/downloads} (progress lines),
 * then {@code GET /api/v1/downloads/{taskId}} for the verified bytes, which are compared byte by byte with
 * the origin's file. Every delivery is checked: a corrupt byte is counted, never missed.
 */
final class Dfget {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private Dfget() {
    }

    /** One progress line of the dfdaemon. */
    record Progress(long completedBytes, long totalBytes, long fromPeers, long fromSupernode, long fromOrigin) {
    }

    /**
     * How one download ended.
     *
     * @param finished     the dfdaemon said done without error, and served the file
     * @param error        the dfdaemon's error line (or what went wrong talking to it), null when finished
     * @param hung         no answer within the safety timeout
     * @param delivered    bytes the client received as a finished download
     * @param corruptBytes delivered bytes that differ from the origin's file, plus any length difference
     * @param seconds      from the request to the last byte
     */
    record Result(boolean finished, String error, boolean hung, long delivered, long corruptBytes, double seconds,
                  Progress last, String taskId) {
        boolean failedClearly() {
            return !finished && !hung && error != null && !error.isBlank() && !error.equals("null")
                    && error.length() < 1000 && !error.contains("\n");
        }
    }

    /** Downloads {@code url} (expected {@code digest}) through {@code dfdaemon}, at most {@code timeout}. */
    static Result download(DflyNode dfdaemon, String url, String digest, Path original, Duration timeout) {
        return start(dfdaemon, url, digest, original, p -> { }).await(timeout);
    }

    /** A download under way. */
    static final class Running {
        private final CompletableFuture<Result> future;

        Running(CompletableFuture<Result> future) {
            this.future = future;
        }

        Result await(Duration timeout) {
            try {
                return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                future.cancel(true);
                return new Result(false, "no answer within " + timeout.toSeconds() + " s (hung)", true, 0, 0,
                        timeout.toMillis() / 1000.0, null, null);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            } catch (ExecutionException e) {
                return new Result(false, "client error: " + e.getCause(), false, 0, 0, 0, null, null);
            }
        }
    }

    /** Starts a download on its own thread; {@code onProgress} sees every progress line. */
    static Running start(DflyNode dfdaemon, String url, String digest, Path original, Consumer<Progress> onProgress) {
        CompletableFuture<Result> f = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                f.complete(run(dfdaemon, url, digest, original, onProgress));
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        }, "dfget-" + dfdaemon.port());
        t.setDaemon(true);
        t.start();
        return new Running(f);
    }

    private static Result run(DflyNode dfdaemon, String url, String digest, Path original, Consumer<Progress> onProgress)
            throws Exception {
        long t0 = System.nanoTime();
        String path = "/api/v1/downloads";
        HostTokens tokens = TestSecrets.secret().hostTokens();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("url", url);
        if (digest != null) {
            body.put("digest", digest);
        }
        HttpResponse<InputStream> r;
        try {
            r = HTTP.send(HttpRequest.newBuilder(URI.create(dfdaemon.baseUrl() + path))
                    .header("Content-Type", "application/json")
                    .header(HostTokens.HEADER, tokens.authorization("fault-table", "POST", path))
                    .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            return failed("dfdaemon unreachable: " + e, t0, null);
        }
        if (r.statusCode() != 200) {
            String text = new String(r.body().readAllBytes(), StandardCharsets.UTF_8);
            return failed("HTTP " + r.statusCode() + ": " + text, t0, null);
        }
        Progress last = null;
        JsonNode done = null;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode n = JSON.readTree(line);
                last = new Progress(n.path("completedBytes").asLong(), n.path("totalBytes").asLong(),
                        n.path("fromPeers").asLong(), n.path("fromSupernode").asLong(), n.path("fromOrigin").asLong());
                onProgress.accept(last);
                if (n.path("done").asBoolean()) {
                    done = n;
                }
            }
        } catch (IOException e) {
            return failed("progress stream broken: " + e, t0, last);
        }
        if (done == null) {
            return failed("progress stream ended without a last line", t0, last);
        }
        if (!done.path("error").isNull() && !done.path("error").asText().isEmpty()) {
            return failed(done.path("error").asText(), t0, last);
        }
        String taskId = done.path("taskId").asText();
        String filePath = path + "/" + taskId;
        HttpResponse<InputStream> file = HTTP.send(HttpRequest.newBuilder(URI.create(dfdaemon.baseUrl() + filePath))
                .header(HostTokens.HEADER, tokens.authorization("fault-table", "GET", filePath)).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        if (file.statusCode() != 200) {
            String text = new String(file.body().readAllBytes(), StandardCharsets.UTF_8);
            return failed("finished, but the file is not served: HTTP " + file.statusCode() + ": " + text, t0, last);
        }
        long[] compared = compare(file.body(), original);
        double seconds = (System.nanoTime() - t0) / 1e9;
        return new Result(true, null, false, compared[0], compared[1], seconds, last, taskId);
    }

    private static Result failed(String error, long t0, Progress last) {
        return new Result(false, error, false, 0, 0, (System.nanoTime() - t0) / 1e9, last, null);
    }

    /** {bytes read, bytes differing from {@code original} (a length difference counts as differing bytes)}. */
    static long[] compare(InputStream got, Path original) throws IOException {
        long read = 0;
        long differ = 0;
        try (InputStream a = got; InputStream b = Files.newInputStream(original)) {
            byte[] x = new byte[1 << 16];
            byte[] y = new byte[1 << 16];
            int n;
            while ((n = a.readNBytes(x, 0, x.length)) > 0) {
                int m = b.readNBytes(y, 0, n);
                for (int i = 0; i < n; i++) {
                    if (i >= m || x[i] != y[i]) {
                        differ++;
                    }
                }
                read += n;
            }
            differ += b.transferTo(OutputStreamCounter.NULL); // bytes missing at the end
        }
        return new long[]{read, differ};
    }

    /** The sha256 of a file. */
    static String sha256(Path file) throws IOException {
        MessageDigest md = Digests.newSha256();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 20];
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
        }
        return Digests.format(md);
    }

    /** A sink that only counts. */
    private static final class OutputStreamCounter extends java.io.OutputStream {
        static final OutputStreamCounter NULL = new OutputStreamCounter();

        @Override
        public void write(int b) {
        }

        @Override
        public void write(byte[] b, int off, int len) {
        }
    }
}
