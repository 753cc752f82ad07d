package io.dfly.mirror;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.util.List;

/** Turns an upstream response into a client response: status, the registry headers, streamed body. */
final class Relay {
    static final List<String> HEADERS = List.of("Content-Type", "Content-Length", "Docker-Content-Digest",
            "Docker-Distribution-API-Version", "WWW-Authenticate", "ETag", "Link", "Content-Range", "Accept-Ranges",
            "Last-Modified", "Cache-Control");

    private Relay() {
    }

    static MirrorResponse relay(HttpResponse<InputStream> r, boolean withBody) {
        MirrorResponse out = new MirrorResponse(r.statusCode());
        for (String h : HEADERS) {
            for (String v : r.headers().allValues(h)) {
                out.header(h, v);
            }
        }
        InputStream body = r.body();
        if (withBody) {
            out.body(o -> {
                try (InputStream in = body) {
                    in.transferTo(o);
                }
            });
        } else {
            close(body);
        }
        return out;
    }

    static void close(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }
}
