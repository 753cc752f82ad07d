import io.dfly.core.security.ClusterSecret;
import io.dfly.core.security.HostTokens;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * How long a dfdaemon's dfget API takes for small URLs it has not seen: for each URL, {@code POST
 * /api/v1/downloads} read to its last NDJSON line (the daemon has the verified file), then {@code GET
 * /api/v1/downloads/{taskId}} read to the end; both with a host token, over one kept-alive HTTP/1.1 client
 * (as a warm caller would). Prints one line per phase: n, mean, p50, p95, max in ms.
 *
 * <pre>java -cp dfget.jar bench/tools/ApiLatency.java DFDAEMON_BASE_URL SECRET_FILE URL_PATTERN COUNT [WARMUP]</pre>
 * URLs are URL_PATTERN with {@code %d} replaced by 0, 1, ...; the first WARMUP of them uncounted.
 */
public class ApiLatency {
    public static void main(String[] args) throws Exception {
        String base = args[0];
        HostTokens tokens = ClusterSecret.load(Path.of(args[1])).hostTokens();
        String pattern = args[2];
        int count = Integer.parseInt(args[3]);
        int warmup = args.length > 4 ? Integer.parseInt(args[4]) : 0;
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        double[] post = new double[count];
        double[] both = new double[count];
        for (int i = -warmup; i < count; i++) {
            String url = String.format(pattern, i + warmup);
            long t0 = System.nanoTime();
            String body = "{\"url\":\"" + url + "\",\"headers\":{},\"backToSource\":true}";
            HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/downloads"))
                    .header("Content-Type", "application/json")
                    .header(HostTokens.HEADER, tokens.authorization("bench", "POST", "/api/v1/downloads"))
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofInputStream());
            String last = null;
            try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                for (String l; (l = in.readLine()) != null; ) {
                    if (!l.isBlank()) {
                        last = l;
                    }
                }
            }
            if (r.statusCode() != 200 || last == null || !last.contains("\"taskId\"")) {
                throw new IllegalStateException("POST " + url + ": HTTP " + r.statusCode() + " " + last);
            }
            long t1 = System.nanoTime();
            String taskId = last.replaceAll(".*\"taskId\":\"([0-9a-f]{64})\".*", "$1");
            String path = "/api/v1/downloads/" + taskId;
            HttpResponse<byte[]> f = http.send(HttpRequest.newBuilder(URI.create(base + path))
                    .header(HostTokens.HEADER, tokens.authorization("bench", "GET", path)).GET().build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            if (f.statusCode() != 200) {
                throw new IllegalStateException("GET " + path + ": HTTP " + f.statusCode());
            }
            long t2 = System.nanoTime();
            if (i >= 0) {
                post[i] = (t1 - t0) / 1e6;
                both[i] = (t2 - t0) / 1e6;
            }
        }
        System.out.println(stats("POST to last line", post));
        System.out.println(stats("POST + GET file", both));
    }

    static String stats(String name, double[] ms) {
        double[] s = ms.clone();
        Arrays.sort(s);
        double mean = Arrays.stream(s).average().orElse(0);
        return String.format("%s\t%d\t%.1f\t%.1f\t%.1f\t%.1f", name, s.length, mean, rank(s, 0.50), rank(s, 0.95),
                s[s.length - 1]);
    }

    static double rank(double[] sorted, double q) {
        return sorted[Math.max(0, (int) Math.ceil(q * sorted.length) - 1)];
    }
}
