package io.dfly.supernode.preheat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dfly.core.piece.Digests;
import io.dfly.core.security.SafeUrls;
import io.dfly.core.security.SafeText;
import io.dfly.supernode.cdn.OriginClient;
import io.dfly.supernode.cdn.OriginFailure;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns an image manifest URL ({@code https://<registry>/v2/<repo>/manifests/<tag>}) into the blobs to
 * preheat: the config and layers of the manifest, or, for a manifest list / OCI index, of each
 * manifest whose platform is configured ({@code dfly.supernode.preheat.platforms}). Every fetch goes
 * through the {@link OriginClient}, so the origin policy and the credentials rule apply to manifests too.
 */
public final class ImageResolver {
    static final String ACCEPT = String.join(", ",
            "application/vnd.docker.distribution.manifest.v2+json",
            "application/vnd.docker.distribution.manifest.list.v2+json",
            "application/vnd.oci.image.manifest.v1+json",
            "application/vnd.oci.image.index.v1+json");
    private static final Pattern MANIFEST_URL = Pattern.compile("^(https?://[^/]+)/v2/(.+)/manifests/([^/?#]+)$");
    private static final int MAX_MANIFEST_BYTES = 4 << 20;

    private final OriginClient origin;
    private final List<String> platforms;
    private final ObjectMapper json = new ObjectMapper();

    public ImageResolver(OriginClient origin, List<String> platforms) {
        this.origin = origin;
        this.platforms = List.copyOf(platforms);
    }

    /** An image's top manifest (or index) as the registry served it, and its digest (sha256 of those bytes). */
    public record Manifest(String digest, JsonNode json) {
    }

    /**
     * Fetches the manifest {@code manifestUrl} names (a tag resolves to what it points at now) with the
     * given headers; its digest identifies the image, so a re-pushed tag is a different image.
     */
    public Manifest top(String manifestUrl, Map<String, String> headers) throws OriginFailure {
        if (!MANIFEST_URL.matcher(manifestUrl).matches()) {
            throw new OriginFailure(400, "bad_request", "not an image manifest URL (want <scheme>://<registry>/v2/<repo>/manifests/<tag>)");
        }
        byte[] body = fetchBytes(manifestUrl, headers);
        return new Manifest(Digests.sha256(body), parse(manifestUrl, body));
    }

    public List<BlobRef> resolve(String manifestUrl, Map<String, String> headers) throws OriginFailure {
        return resolve(manifestUrl, top(manifestUrl, headers), headers);
    }

    /** The blobs of the image whose top manifest ({@link #top}) is {@code manifest}. */
    public List<BlobRef> resolve(String manifestUrl, Manifest manifest, Map<String, String> headers) throws OriginFailure {
        Matcher m = MANIFEST_URL.matcher(manifestUrl);
        if (!m.matches()) {
            throw new OriginFailure(400, "bad_request", "not an image manifest URL (want <scheme>://<registry>/v2/<repo>/manifests/<tag>)");
        }
        String base = m.group(1) + "/v2/" + m.group(2);
        JsonNode top = manifest.json();
        Set<BlobRef> blobs = new LinkedHashSet<>();
        if (top.has("manifests")) {
            int matched = 0;
            for (JsonNode entry : top.get("manifests")) {
                if (platformWanted(entry.get("platform"))) {
                    matched++;
                    String digest = Digests.requireValid(entry.path("digest").asText());
                    addImage(base, fetch(base + "/manifests/" + digest, headers), blobs);
                }
            }
            if (matched == 0) {
                throw new OriginFailure(404, "no_platform", "the image has no manifest for platforms " + platforms);
            }
        } else {
            addImage(base, top, blobs);
        }
        return new ArrayList<>(blobs);
    }

    private void addImage(String base, JsonNode manifest, Set<BlobRef> out) throws OriginFailure {
        List<String> digests = new ArrayList<>();
        if (manifest.has("config")) {
            digests.add(manifest.get("config").path("digest").asText());
        }
        for (JsonNode layer : manifest.path("layers")) {
            digests.add(layer.path("digest").asText());
        }
        if (digests.isEmpty()) {
            throw new OriginFailure(502, "bad_manifest", "the manifest lists no config and no layers");
        }
        for (String d : digests) {
            if (!Digests.isValid(d)) {
                throw new OriginFailure(502, "bad_manifest", "the manifest names a blob with an unsupported digest: " + d);
            }
            out.add(new BlobRef(base + "/blobs/" + d, d));
        }
    }

    boolean platformWanted(JsonNode platform) {
        if (platform == null || platform.isMissingNode()) {
            return false;
        }
        String os = platform.path("os").asText("");
        String arch = platform.path("architecture").asText("");
        String variant = platform.path("variant").asText("");
        for (String p : platforms) {
            String[] parts = p.split("/");
            if (parts.length >= 2 && parts[0].equals(os) && parts[1].equals(arch)
                    && (parts.length < 3 || parts[2].equals(variant))) {
                return true;
            }
        }
        return false;
    }

    private JsonNode fetch(String url, Map<String, String> headers) throws OriginFailure {
        return parse(url, fetchBytes(url, headers));
    }

    private byte[] fetchBytes(String url, Map<String, String> headers) throws OriginFailure {
        OriginClient.OriginResponse r = origin.open(url, headers, 0, ACCEPT);
        try (InputStream in = r.body()) {
            byte[] body = in.readNBytes(MAX_MANIFEST_BYTES + 1);
            if (body.length > MAX_MANIFEST_BYTES) {
                throw new OriginFailure(502, "bad_manifest", "manifest " + SafeUrls.display(url) + " is over "
                        + (MAX_MANIFEST_BYTES >> 20) + " MiB");
            }
            return body;
        } catch (IOException e) {
            throw unreadable(url, e);
        }
    }

    private JsonNode parse(String url, byte[] body) throws OriginFailure {
        try {
            return json.readTree(body);
        } catch (IOException e) {
            throw unreadable(url, e);
        }
    }

    private static OriginFailure unreadable(String url, IOException e) {
        return new OriginFailure(502, "bad_manifest", "cannot read manifest " + SafeUrls.display(url) + ": "
                + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " " + SafeText.scrub(e.getMessage())));
    }
}
