package io.dfly.dfget;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dfly.core.config.HostPort;
import io.dfly.core.download.DownloadProgress;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Timer;
import java.util.TimerTask;
import java.util.concurrent.atomic.AtomicBoolean;

/** dfget through the local dfdaemon: {@code POST /api/v1/downloads}, NDJSON progress; dfdaemon writes the file. */
final class DaemonDownload {
    private static final ObjectMapper JSON = new ObjectMapper();

    private DaemonDownload() {
    }

    /** Whether a dfdaemon answers at the address (its metrics page, within a second). */
    static boolean available(HostPort dfdaemon) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(dfdaemon.host(), dfdaemon.port()), 300);
        } catch (IOException e) {
            return false;
        }
        try {
            HttpResponse<String> r = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build()
                    .send(HttpRequest.newBuilder(URI.create(dfdaemon.baseUrl() + "/api/v1/metrics"))
                            .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 && r.body().contains("dfly_engine_");
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    static DownloadProgress run(DfgetArgs a, ProgressReporter reporter) throws DfgetException, InterruptedException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("url", a.url());
        body.put("output", a.output().toString());
        body.put("headers", a.headers());
        body.put("digest", a.digest());
        body.put("identifier", a.identifier());
        body.put("backToSource", a.backToSource());
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<InputStream> r;
        try {
            r = http.send(HttpRequest.newBuilder(URI.create(a.dfdaemon().baseUrl() + "/api/v1/downloads"))
                    .timeout(a.timeout()).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body))).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw new DfgetException("dfdaemon at " + a.dfdaemon() + " is not answering (" + e.getMessage()
                    + "); start it or use --standalone");
        }
        Timer timer = new Timer("dfget-timeout", true);
        AtomicBoolean timedOut = new AtomicBoolean();
        try (InputStream in = r.body()) {
            if (r.statusCode() != 200) {
                String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                String message = "HTTP " + r.statusCode();
                try {
                    JsonNode err = JSON.readTree(text);
                    if (err.hasNonNull("message")) {
                        message = err.get("message").asText();
                    }
                } catch (IOException ignored) {
                    // not JSON: keep the status
                }
                throw new DfgetException("dfdaemon refused the download: " + message);
            }
            timer.schedule(new TimerTask() {
                @Override
                public void run() {
                    timedOut.set(true);
                    try {
                        in.close();
                    } catch (IOException ignored) {
                        // closing to stop the read
                    }
                }
            }, a.timeout().toMillis());
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
                    return p;
                }
                reporter.update(p);
            }
            throw new DfgetException("dfdaemon at " + a.dfdaemon() + " ended the download without a result");
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
}
