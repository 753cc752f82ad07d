package io.dfly.it.harness;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/** Plain HTTP calls of the process tests: a method, a URL, an optional JSON body and Authorization. */
public final class Http {
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private Http() {
    }

    public static HttpResponse<String> send(String method, String url, String jsonBody, String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60))
                .method(method, jsonBody == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(jsonBody));
        if (jsonBody != null) {
            b.header("Content-Type", "application/json");
        }
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /**
     * A node's {@code /metrics} (MicroProfile Metrics in Prometheus text, e.g.
     * {@code dfly_supernode_origin_bytes_total{mp_scope="application"} 1.048576E7}) as {@link #parseMetrics}.
     */
    public static Map<String, Double> metrics(String baseUrl) throws Exception {
        HttpResponse<String> r = send("GET", baseUrl + "/metrics", null, null);
        if (r.statusCode() != 200) {
            throw new IllegalStateException("GET " + baseUrl + "/metrics answered " + r.statusCode() + ": " + r.body());
        }
        return parseMetrics(r.body());
    }

    /**
     * Prometheus text as series → value: each series under its name with labels as written
     * ({@code name{mp_scope="application",cause="digest"}}), and each name alone holding the sum of its
     * series (a counter split by cause or state reads as its total; never asked of a summary's quantiles).
     */
    public static Map<String, Double> parseMetrics(String text) {
        Map<String, Double> out = new java.util.LinkedHashMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int space = line.lastIndexOf(' ');
            if (space < 0) {
                continue;
            }
            double value;
            try {
                value = Double.parseDouble(line.substring(space + 1).trim());
            } catch (NumberFormatException e) {
                continue; // not a sample
            }
            String series = line.substring(0, space).trim();
            int brace = series.indexOf('{');
            String name = brace < 0 ? series : series.substring(0, brace);
            out.put(series, value);
            if (brace >= 0) {
                out.merge(name, value, Double::sum);
            }
        }
        return out;
    }

    public static HttpResponse<byte[]> get(String url, Map<String, String> headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30));
        headers.forEach(b::header);
        return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }
}
