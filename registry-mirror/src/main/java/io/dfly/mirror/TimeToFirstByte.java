package io.dfly.mirror;

import io.dfly.core.metrics.Meters;
import io.dfly.core.metrics.Timer;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Time from a mirror request's arrival to the first byte of its response body, by kind (blob, manifest,
 * other): what a pulling docker or containerd waits before data flows.
 */
public final class TimeToFirstByte {
    private final Timer blobs;
    private final Timer manifests;
    private final Timer other;

    public TimeToFirstByte(Meters meters) {
        String help = "Time from a registry mirror request to the first byte of its response body";
        blobs = meters.timer("dfly_mirror_first_byte", help, "kind", "blob");
        manifests = meters.timer("dfly_mirror_first_byte", help, "kind", "manifest");
        other = meters.timer("dfly_mirror_first_byte", help, "kind", "other");
    }

    /** The stream a response body for {@code path} (below {@code /v2/}) is written to; times its first byte. */
    public OutputStream watch(OutputStream out, String path, long startNanos) {
        Timer t = path.contains("/blobs/") ? blobs : path.contains("/manifests/") ? manifests : other;
        return new FilterOutputStream(out) {
            private boolean seen;

            private void first() {
                if (!seen) {
                    seen = true;
                    t.recordSince(startNanos);
                }
            }

            @Override
            public void write(int b) throws IOException {
                first();
                out.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                if (len > 0) {
                    first();
                }
                out.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                first(); // an empty body: its end is its first byte
                super.close();
            }
        };
    }
}
