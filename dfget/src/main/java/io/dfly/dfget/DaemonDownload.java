package io.dfly.dfget;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dfly.core.config.HostPort;
import io.dfly.core.download.DownloadProgress;
import io.dfly.core.piece.Digests;
import io.dfly.core.security.ClusterSecret;
import io.dfly.core.security.HostTokens;
import io.dfly.core.task.TaskIds;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Timer;
import java.util.TimerTask;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * dfget through the local dfdaemon. {@code POST /api/v1/downloads} (with this host's token, no output
 * path: the daemon writes nothing a caller names) streams NDJSON progress; its last line names the task,
 * its digest and length. Then {@code GET /api/v1/downloads/{taskId}} streams the verified bytes, which dfget
 * writes itself, as the calling user: into {@code <output>.dfly-tmp} (created new), hashed as they arrive,
 * checked for length and digest, then renamed over the output in one step. On any failure the caller
 * deletes the tmp file.
 */
final class DaemonDownload {
    static final String PATH = "/api/v1/downloads";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int CHUNK = 64 * 1024;

    private DaemonDownload() {
    }

    /** What the last progress line said about a finished download. */
    record Finished(DownloadProgress progress, String taskId, String digest, long contentLength) {
    }

    /** Whether a dfdaemon answers at the address (its engine's metrics on Payara's {@code /metrics}, within a second). */
    static boolean available(HostPort dfdaemon) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(dfdaemon.host(), dfdaemon.port()), 300);
        } catch (IOException e) {
            return false;
        }
        try {
            HttpResponse<String> r = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build()
                    .send(HttpRequest.newBuilder(URI.create(dfdaemon.baseUrl() + "/metrics?scope=application"))
                            .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 && r.body().contains("dfly_engine_");
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The peer id dfget's tokens name: {@code dfget-<user>}. */
    static String peerId() {
        return "dfget-" + System.getProperty("user.name", "user").replaceAll("[^A-Za-z0-9._-]", "-");
    }

    static DownloadProgress run(DfgetArgs a, ClusterSecret secret, ProgressReporter reporter, Path tmp)
            throws DfgetException, InterruptedException {
        HostTokens tokens = secret.hostTokens();
        String peer = peerId();
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5))
                .followRedirects(HttpClient.Redirect.NEVER).build();
        Timer timer = new Timer("dfget-timeout", true);
        AtomicBoolean timedOut = new AtomicBoolean();
        AtomicReference<InputStream> reading = new AtomicReference<>();
        timer.schedule(new TimerTask() {
            @Override
            public void run() {
                timedOut.set(true);
                InputStream in = reading.get();
                if (in != null) {
                    try {
                        in.close();
                    } catch (IOException ignored) {
                        // closing to stop the read
                    }
                }
            }
        }, a.timeout().toMillis());
        try {
            Finished done = progress(a, http, tokens.authorization(peer, "POST", PATH), reporter, reading);
            if (a.digest() != null && !a.digest().equals(done.digest())) {
                throw new DfgetException("dfdaemon at " + a.dfdaemon() + " reported digest " + done.digest() + ", want "
                        + a.digest());
            }
            String filePath = PATH + "/" + done.taskId();
            fetch(a, http, tokens.authorization(peer, "GET", filePath), filePath, done, tmp, reading);
            return done.progress();
        } catch (IOException e) {
            if (timedOut.get()) {
                throw new DfgetException("timed out after " + DfgetArgs.formatDuration(a.timeout())
                        + "; raise --timeout or check the network");
            }
            throw new DfgetException("lost the dfdaemon at " + a.dfdaemon() + ": " + e.getMessage());
        } finally {
            timer.cancel();
        }
    }

    /** POSTs the download and follows its progress lines to the last one. */
    private static Finished progress(DfgetArgs a, HttpClient http, String authorization, ProgressReporter reporter,
                                     AtomicReference<InputStream> reading) throws DfgetException, IOException,
            InterruptedException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("url", a.url());
        body.put("headers", a.headers());
        body.put("digest", a.digest());
        body.put("identifier", a.identifier());
        body.put("backToSource", a.backToSource());
        HttpResponse<InputStream> r;
        try {
            r = http.send(HttpRequest.newBuilder(URI.create(a.dfdaemon().baseUrl() + PATH))
                    .timeout(a.timeout()).header("Content-Type", "application/json")
                    .header(HostTokens.HEADER, authorization)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body))).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw new DfgetException("dfdaemon at " + a.dfdaemon() + " is not answering (" + e.getMessage()
                    + "); start it or use --standalone");
        }
        try (InputStream in = r.body()) {
            reading.set(in);
            if (r.statusCode() != 200) {
                throw new DfgetException("dfdaemon refused the download: " + errorMessage(r.statusCode(), in));
            }
            BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String line;
            while ((line = lines.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode n = JSON.readTree(line);
                DownloadProgress p = new DownloadProgress(n.path("completedBytes").asLong(), n.path("totalBytes").asLong(-1),
                        n.path("fromPeers").asLong(), n.path("fromSupernode").asLong(), n.path("fromOrigin").asLong());
                if (n.path("done").asBoolean()) {
                    if (n.hasNonNull("error")) {
                        throw new DfgetException(n.get("error").asText());
                    }
                    String taskId = n.path("taskId").asText(null);
                    String digest = n.path("digest").asText(null);
                    long length = n.path("contentLength").asLong(-1);
                    if (taskId == null || !TaskIds.isValid(taskId) || digest == null || !Digests.isValid(digest) || length < 0) {
                        throw new DfgetException("dfdaemon at " + a.dfdaemon() + " ended the download without naming the"
                                + " task, its digest and length (an older dfdaemon? upgrade it)");
                    }
                    return new Finished(p, taskId, digest, length);
                }
                reporter.update(p);
            }
            throw new DfgetException("dfdaemon at " + a.dfdaemon() + " ended the download without a result");
        }
    }

    /** GETs the verified bytes into {@code tmp}, checks them, and renames tmp over the output. */
    private static void fetch(DfgetArgs a, HttpClient http, String authorization, String filePath, Finished done, Path tmp,
                              AtomicReference<InputStream> reading) throws DfgetException, IOException, InterruptedException {
        HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(URI.create(a.dfdaemon().baseUrl() + filePath))
                .timeout(a.timeout()).header(HostTokens.HEADER, authorization).GET().build(),
                HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = r.body()) {
            reading.set(in);
            if (r.statusCode() != 200) {
                throw new DfgetException("dfdaemon at " + a.dfdaemon() + " did not hand over the file: "
                        + errorMessage(r.statusCode(), in));
            }
            MessageDigest md = Digests.newSha256();
            long total = 0;
            OutputStream out;
            try {
                Files.deleteIfExists(tmp); // a stale one, or a planted link: removed, never followed
                out = Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            } catch (IOException e) {
                throw new DfgetException("cannot write " + tmp + ": " + e.getMessage());
            }
            try (out) {
                byte[] buf = new byte[CHUNK];
                int n;
                while ((n = in.read(buf)) > 0) {
                    total += n;
                    if (total > done.contentLength()) {
                        throw new DfgetException("dfdaemon at " + a.dfdaemon() + " sent more than the " + done.contentLength()
                                + " bytes it announced");
                    }
                    md.update(buf, 0, n);
                    try {
                        out.write(buf, 0, n);
                    } catch (IOException e) {
                        throw new DfgetException("cannot write " + tmp + ": " + e.getMessage());
                    }
                }
            }
            if (total != done.contentLength()) {
                throw new DfgetException("dfdaemon at " + a.dfdaemon() + " sent " + total + " of " + done.contentLength() + " bytes");
            }
            String got = Digests.format(md);
            if (!got.equals(done.digest())) {
                throw new DfgetException("the bytes from the dfdaemon do not match the download's digest (got " + got
                        + ", want " + done.digest() + ")");
            }
        }
        try {
            Files.move(tmp, a.output(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new DfgetException("cannot write " + a.output() + ": " + e.getMessage());
        }
    }

    private static String errorMessage(int status, InputStream in) throws IOException {
        String text = new String(in.readNBytes(16 * 1024), StandardCharsets.UTF_8);
        String message = "HTTP " + status;
        try {
            JsonNode err = JSON.readTree(text);
            if (err != null && err.hasNonNull("message")) {
                message = err.get("message").asText() + " (HTTP " + status + ")";
            }
        } catch (IOException ignored) {
            // not JSON: keep the status
        }
        return message;
    }
}
