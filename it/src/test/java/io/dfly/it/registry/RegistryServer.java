package io.dfly.it.registry;

import io.dfly.it.harness.FreePorts;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Debian's docker-registry (CNCF distribution 2.8) on a free loopback port, in one of three auth modes,
 * with a generated config. Its access log (combined format, in {@link #log()}) is the origin's request
 * log the tests count.
 */
public final class RegistryServer implements AutoCloseable {
    public enum Auth { NONE, BASIC, TOKEN }

    public static final String USER = "testuser";
    public static final String PASSWORD = "testpass";
    private static final Pattern ACCESS = Pattern.compile("\"(GET|HEAD|POST|PUT|PATCH|DELETE) (\\S+) HTTP/[0-9.]+\" (\\d{3}) \\S+ \"[^\"]*\" \"([^\"]*)\"");

    private final Auth auth;
    private final Path dir;
    private final int port;
    private TokenServer tokens;
    private String tokenPath = "/token";
    private Process process;

    /** One access-log line. */
    public record Access(String method, String path, int status, String userAgent) {
        /** Whether the request came from dfly (the JDK HTTP client), not from a container client. */
        public boolean fromDfly() {
            return userAgent.startsWith("dfly-");
        }
    }

    public RegistryServer(Auth auth, Path dir) {
        this.auth = auth;
        this.dir = dir;
        this.port = FreePorts.pick();
    }

    /** Token mode: serve tokens at this path (Harbor: {@code /service/token}). */
    public RegistryServer tokenPath(String path) {
        this.tokenPath = path;
        return this;
    }

    public static boolean available() {
        return Procs.onPath("docker-registry");
    }

    public RegistryServer start() throws Exception {
        Files.createDirectories(dir.resolve("data"));
        StringBuilder yml = new StringBuilder("""
                version: 0.1
                log:
                  level: warn
                  accesslog: {disabled: false}
                storage:
                  filesystem: {rootdirectory: %s}
                  delete: {enabled: true}
                http:
                  addr: 127.0.0.1:%d
                """.formatted(dir.resolve("data"), port));
        if (auth == Auth.BASIC) {
            Procs.Result r = Procs.run("htpasswd", "-Bbn", USER, PASSWORD).ok("htpasswd");
            Files.writeString(dir.resolve("htpasswd"), r.output().lines().filter(l -> l.contains(":")).findFirst().orElseThrow() + "\n");
            yml.append("auth:\n  htpasswd: {realm: basic-realm, path: ").append(dir.resolve("htpasswd")).append("}\n");
        } else if (auth == Auth.TOKEN) {
            tokens = new TokenServer(dir.resolve("token"), "dfly-test-issuer", "dfly-test-registry",
                    Map.of(USER, PASSWORD)).path(tokenPath).start();
            yml.append("auth:\n  token:\n    realm: ").append(tokens.realm())
                    .append("\n    service: ").append(tokens.service())
                    .append("\n    issuer: ").append(tokens.issuer())
                    .append("\n    rootcertbundle: ").append(tokens.certificate()).append('\n');
        }
        Path conf = dir.resolve("registry.yml");
        Files.writeString(conf, yml);
        process = Procs.start(List.of("docker-registry", "serve", conf.toString()), log(), Map.of());
        Procs.awaitPort(port, process, log(), 30);
        return this;
    }

    public Auth auth() {
        return auth;
    }

    public int port() {
        return port;
    }

    public String hostPort() {
        return "127.0.0.1:" + port;
    }

    public String url() {
        return "http://" + hostPort();
    }

    public TokenServer tokenServer() {
        return tokens;
    }

    public Path log() {
        return dir.resolve("registry.log");
    }

    /** Every request in the access log so far. */
    public List<Access> accesses() {
        try {
            return Files.readAllLines(log()).stream().map(ACCESS::matcher).filter(Matcher::find)
                    .map(m -> new Access(m.group(1), m.group(2), Integer.parseInt(m.group(3)), m.group(4))).toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Complete GETs (200) of one blob, i.e. how often all its bytes left the origin. */
    public long blobGets(String repo, String digest) {
        String path = "/v2/" + repo + "/blobs/" + digest;
        return accesses().stream().filter(a -> a.method.equals("GET") && a.path.startsWith(path)
                && a.status == 200).count();
    }

    private static final Pattern SENT = Pattern.compile("\"(?:GET|HEAD) (\\S+) HTTP/[0-9.]+\" \\d{3} (\\d+) ");

    private static final Pattern LINE = Pattern.compile("\"(GET|HEAD) (\\S+) HTTP/[0-9.]+\" (\\d{3}) (\\d+) ");

    /** "METHOD status bytes" of each logged request whose path starts with {@code pathPrefix}, in log order. */
    public List<String> requestsSent(String pathPrefix) {
        try {
            List<String> out = new java.util.ArrayList<>();
            for (String line : Files.readAllLines(log())) {
                Matcher m = LINE.matcher(line);
                if (m.find() && m.group(2).startsWith(pathPrefix)) {
                    out.add(m.group(1) + " " + m.group(3) + " " + m.group(4));
                }
            }
            return out;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Body bytes the registry sent (access log) for requests whose path starts with {@code pathPrefix}. */
    public long bytesSent(String pathPrefix) {
        try {
            long sum = 0;
            for (String line : Files.readAllLines(log())) {
                Matcher m = SENT.matcher(line);
                if (m.find() && m.group(1).startsWith(pathPrefix)) {
                    sum += Long.parseLong(m.group(2));
                }
            }
            return sum;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Requests for {@code /v2/<repo>/...} after the first {@code skip} log entries. */
    public List<Access> since(int skip, String repo) {
        List<Access> all = accesses();
        return all.subList(Math.min(skip, all.size()), all.size()).stream()
                .filter(a -> a.path.startsWith("/v2/" + repo + "/")).toList();
    }

    /** All requests whose path starts with {@code /v2/<repo>/}. */
    public long requestsFor(String repo) {
        return accesses().stream().filter(a -> a.path.startsWith("/v2/" + repo + "/")).count();
    }

    /** Pushes an OCI layout image into this registry with skopeo. */
    public void push(OciImage image, String repoTag) {
        List<String> cmd = new java.util.ArrayList<>(List.of("skopeo", "copy", "--quiet", "--dest-tls-verify=false"));
        if (auth != Auth.NONE) {
            cmd.add("--dest-creds=" + USER + ":" + PASSWORD);
        }
        cmd.add(image.reference());
        cmd.add("docker://" + hostPort() + "/" + repoTag);
        Procs.run(cmd, Map.of(), null, 300).ok("skopeo push");
    }

    @Override
    public void close() {
        Procs.stop(process);
        if (tokens != null) {
            tokens.close();
        }
    }
}
