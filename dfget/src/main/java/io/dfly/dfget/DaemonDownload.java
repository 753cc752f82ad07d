package io.dfly.dfget;

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
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
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
 *
 * <p>Kept lean for small files, where starting the JVM is most of the cost: the JDK's
 * {@link HttpURLConnection} (mostly in the JDK's default class-data archive, and kept-alive between the
 * probe, the POST and the GET) rather than {@code java.net.http.HttpClient}, which loads about 1,100
 * classes (TLS among them, even for plain http), and Jackson's streaming API ({@link DaemonMessages}). Never
 * through a proxy: the host token is for the dfdaemon only.
 */
final class DaemonDownload {
    static final String PATH = "/api/v1/downloads";
    private static final int CHUNK = 64 * 1024;
    private static final int MAX_ERROR_BODY = 16 * 1024;
    private static final int MAX_PING_BODY = 1024;
    /** The header the dfdaemon's {@code /_ping} names itself with (so a stranger's server on the port is not taken for it). */
    static final String NODE_HEADER = "X-Dfly-Node";
    static final String DFDAEMON = "dfdaemon";

    private DaemonDownload() {
    }

    /** What the last progress line said about a finished download. */
    record Finished(DownloadProgress progress, String taskId, String digest, long contentLength) {
    }

    /** Whether a dfdaemon answers at the address (its {@code /_ping}, marked {@code X-Dfly-Node: dfdaemon}, within a second or two). */
    static boolean available(HostPort dfdaemon) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(dfdaemon.host(), dfdaemon.port()), 300);
        } catch (IOException e) {
            return false;
        }
        try {
            HttpURLConnection c = open(dfdaemon, "/_ping", 1000, 2000);
            if (c.getResponseCode() != 200) {
                drain(c.getErrorStream());
                return false;
            }
            try (InputStream in = c.getInputStream()) {
                in.readNBytes(MAX_PING_BODY);
                in.transferTo(OutputStream.nullOutputStream()); // read to the end: the connection is kept for the POST
                return DFDAEMON.equals(c.getHeaderField(NODE_HEADER));
            }
        } catch (IOException | RuntimeException e) {
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
        Timer timer = new Timer("dfget-timeout", true);
        AtomicBoolean timedOut = new AtomicBoolean();
        AtomicReference<HttpURLConnection> current = new AtomicReference<>();
        timer.schedule(new TimerTask() {
            @Override
            public void run() {
                timedOut.set(true);
                HttpURLConnection c = current.get();
                if (c != null) {
                    c.disconnect(); // closes the socket: the blocked read ends with an IOException
                }
            }
        }, a.timeout().toMillis());
        try {
            Finished done = progress(a, tokens.authorization(peer, "POST", PATH), reporter, current);
            if (a.digest() != null && !a.digest().equals(done.digest())) {
                throw new DfgetException("dfdaemon at " + a.dfdaemon() + " reported digest " + done.digest() + ", want "
                        + a.digest());
            }
            String filePath = PATH + "/" + done.taskId();
            fetch(a, tokens.authorization(peer, "GET", filePath), filePath, done, tmp, current);
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
    private static Finished progress(DfgetArgs a, String authorization, ProgressReporter reporter,
                                     AtomicReference<HttpURLConnection> current) throws DfgetException, IOException {
        byte[] body = DaemonMessages.request(a.url(), a.headers(), a.digest(), a.identifier(), a.backToSource());
        HttpURLConnection c;
        int status;
        try {
            c = open(a.dfdaemon(), PATH, 5000, readTimeout(a));
            current.set(c);
            c.setRequestMethod("POST");
            c.setRequestProperty("Content-Type", "application/json");
            c.setRequestProperty(HostTokens.HEADER, authorization);
            c.setDoOutput(true);
            // buffered, not streaming mode: in streaming mode a 401 loses its error body (HttpRetryException)
            try (OutputStream out = c.getOutputStream()) {
                out.write(body);
            }
            status = c.getResponseCode();
        } catch (IOException e) {
            throw new DfgetException("dfdaemon at " + a.dfdaemon() + " is not answering (" + e.getMessage()
                    + "); start it or use --standalone");
        }
        if (status != 200) {
            throw new DfgetException("dfdaemon refused the download: " + errorMessage(status, c));
        }
        try (InputStream in = c.getInputStream()) {
            BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String line;
            while ((line = lines.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                DaemonMessages.Line n = DaemonMessages.line(line);
                if (n.done()) {
                    if (n.error() != null) {
                        throw new DfgetException(n.error());
                    }
                    if (n.taskId() == null || !TaskIds.isValid(n.taskId()) || n.digest() == null || !Digests.isValid(n.digest())
                            || n.contentLength() < 0) {
                        throw new DfgetException("dfdaemon at " + a.dfdaemon() + " ended the download without naming the"
                                + " task, its digest and length (an older dfdaemon? upgrade it)");
                    }
                    in.transferTo(OutputStream.nullOutputStream()); // to the end: the connection is kept for the GET
                    return new Finished(n.progress(), n.taskId(), n.digest(), n.contentLength());
                }
                reporter.update(n.progress());
            }
            throw new DfgetException("dfdaemon at " + a.dfdaemon() + " ended the download without a result");
        }
    }

    /** GETs the verified bytes into {@code tmp}, checks them, and renames tmp over the output. */
    private static void fetch(DfgetArgs a, String authorization, String filePath, Finished done, Path tmp,
                              AtomicReference<HttpURLConnection> current) throws DfgetException, IOException {
        HttpURLConnection c = open(a.dfdaemon(), filePath, 5000, readTimeout(a));
        current.set(c);
        c.setRequestProperty(HostTokens.HEADER, authorization);
        int status = c.getResponseCode();
        if (status != 200) {
            throw new DfgetException("dfdaemon at " + a.dfdaemon() + " did not hand over the file: " + errorMessage(status, c));
        }
        try (InputStream in = c.getInputStream()) {
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
                byte[] buf = new byte[(int) Math.min(CHUNK, Math.max(done.contentLength() + 1, 512))];
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

    /** A connection to the dfdaemon, never through a proxy, never following a redirect. */
    private static HttpURLConnection open(HostPort dfdaemon, String path, int connectMillis, int readMillis) throws IOException {
        HttpURLConnection c = (HttpURLConnection) new URL(dfdaemon.baseUrl() + path).openConnection(Proxy.NO_PROXY);
        c.setConnectTimeout(connectMillis);
        c.setReadTimeout(readMillis);
        c.setInstanceFollowRedirects(false);
        c.setUseCaches(false);
        return c;
    }

    /** The socket read timeout: the whole download's (the timer ends it sooner when the total runs out). */
    private static int readTimeout(DfgetArgs a) {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(1, a.timeout().toMillis()));
    }

    private static void drain(InputStream in) {
        if (in != null) {
            try (in) {
                in.readNBytes(MAX_ERROR_BODY);
            } catch (IOException ignored) {
                // only to free the connection
            }
        }
    }

    private static String errorMessage(int status, HttpURLConnection c) throws IOException {
        InputStream err = c.getErrorStream();
        String text = "";
        if (err != null) {
            try (err) {
                text = new String(err.readNBytes(MAX_ERROR_BODY), StandardCharsets.UTF_8);
            }
        }
        String message = DaemonMessages.errorMessage(text);
        return message != null ? message + " (HTTP " + status + ")" : "HTTP " + status;
    }
}
