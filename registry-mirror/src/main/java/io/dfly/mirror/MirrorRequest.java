package io.dfly.mirror;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * One client request to {@code /v2/...}.
 *
 * @param method  HTTP method, upper case
 * @param path    the part after {@code /v2/} (empty for the API root), not URL-decoded beyond path segments
 * @param query   query parameters (e.g. containerd's {@code ns})
 * @param headers request headers, keys lower-case, repeated headers kept in order
 */
public record MirrorRequest(String method, String path, Map<String, List<String>> query,
                            Map<String, List<String>> headers) {
    public MirrorRequest {
        method = method.toUpperCase(Locale.ROOT);
        TreeMap<String, List<String>> h = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.forEach((k, v) -> h.put(k.toLowerCase(Locale.ROOT), List.copyOf(v)));
        headers = h;
        query = Map.copyOf(query);
    }

    public String header(String name) {
        List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    public List<String> headers(String name) {
        return headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
    }

    public String queryParam(String name) {
        List<String> v = query.get(name);
        return v == null || v.isEmpty() ? null : v.get(0);
    }
}
