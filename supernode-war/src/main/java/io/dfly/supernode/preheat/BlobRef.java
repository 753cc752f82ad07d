package io.dfly.supernode.preheat;

/** One blob of an image to preheat: its URL on the registry and its digest. */
public record BlobRef(String url, String digest) {
}
