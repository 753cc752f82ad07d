package io.dfly.dfget;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.dfly.core.piece.Digests;
import io.dfly.core.security.ClusterSecret;
import io.dfly.core.security.HostTokens;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.stream.Stream;

/**
 * The training run for dfget's class-data archive (AppCDS), run once at package time under
 * {@code -XX:ArchiveClassesAtExit} (dist/pom.xml): dfget's dfdaemon path — a 1 KiB download through a
 * stand-in dfdaemon on a loopback port of this process, with a throwaway secret — then {@code --help} and
 * a bad command line, so the archive holds the classes those load. Writes only under a new temp dir, which
 * it deletes; serves nothing but its own 1 KiB to callers holding that throwaway secret.
 */
public final class CdsTraining {
    private static final String TASK = "cd".repeat(32);

    private CdsTraining() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("dfget-cds-");
        byte[] content = new byte[1024];
        SecureRandom random = new SecureRandom();
        random.nextBytes(content);
        byte[] key = new byte[32];
        random.nextBytes(key);
        String secret = HexFormat.of().formatHex(key);
        Path secretFile = Files.createFile(dir.resolve("cluster.secret"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(secretFile, secret + "\n");
        HttpServer daemon = standIn(ClusterSecret.of(secret).hostTokens(), content);
        daemon.start();
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        try {
            int code = Dfget.run(new String[]{"-u", "http://127.0.0.1:1/cds-training.bin", "-o", dir.resolve("out.bin").toString(),
                    "--dfdaemon", "127.0.0.1:" + daemon.getAddress().getPort(), "--cluster-secret-file", secretFile.toString()},
                    quiet, quiet, false);
            Dfget.run(new String[]{"--help"}, quiet, quiet, false);
            Dfget.run(new String[]{"-u", "ftp://x/y", "-o", dir.resolve("no").toString()}, quiet, quiet, false);
            if (code != 0) {
                throw new IllegalStateException("dfget's training download failed (exit " + code + ")");
            }
        } finally {
            daemon.stop(0);
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** The dfdaemon API's happy path (metrics probe, POST with progress, GET of the file), token-checked. */
    private static HttpServer standIn(HostTokens tokens, byte[] content) throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4);
        s.createContext("/_ping", ex -> {
            ex.getResponseHeaders().set(DaemonDownload.NODE_HEADER, DaemonDownload.DFDAEMON);
            reply(ex, 200, "OK");
        });
        s.createContext(DaemonDownload.PATH, ex -> {
            ex.getRequestBody().readAllBytes();
            String path = ex.getRequestURI().getRawPath();
            if (tokens.verify(ex.getRequestHeaders().getFirst(HostTokens.HEADER), ex.getRequestMethod(), path).isEmpty()) {
                reply(ex, 401, "{\"error\":\"unauthorized\",\"message\":\"enrolled hosts only\"}");
            } else if (ex.getRequestMethod().equals("POST")) {
                reply(ex, 200, "{\"completedBytes\":0,\"totalBytes\":1024,\"done\":false,\"error\":null}\n"
                        + "{\"completedBytes\":1024,\"totalBytes\":1024,\"fromPeers\":0,\"fromSupernode\":1024,\"fromOrigin\":0,"
                        + "\"done\":true,\"error\":null,\"taskId\":\"" + TASK + "\",\"digest\":\"" + Digests.sha256(content)
                        + "\",\"contentLength\":1024}\n");
            } else {
                ex.sendResponseHeaders(200, content.length);
                ex.getResponseBody().write(content);
                ex.close();
            }
        });
        return s;
    }

    private static void reply(HttpExchange ex, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(status, b.length);
        ex.getResponseBody().write(b);
        ex.close();
    }
}
