package io.dfly.core.download;

import java.util.Map;

/**
 * What to download.
 *
 * @param url              origin URL
 * @param headers          headers for the origin (auth); never logged, never sent to other peers
 * @param digest           expected whole-file digest {@code sha256:<hex>}, or null
 * @param identifier       caller-chosen content identity, or null
 * @param backToSource     whether to fetch straight from the origin when P2P fails
 */
public record DownloadRequest(String url, Map<String, String> headers, String digest, String identifier,
                              boolean backToSource) {
    @Override
    public String toString() {
        // headers left out, and the URL shown without its query: both may carry credentials
        return "DownloadRequest[url=" + io.dfly.core.security.SafeUrls.display(url) + ", digest=" + digest + ", identifier=" + identifier
                + ", backToSource=" + backToSource + "]";
    }
}
