package io.dfly.mirror;

import io.dfly.core.metrics.InMemoryMeters;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class TimeToFirstByteTest {
    @Test
    void theFirstByteOfEachBodyIsTimedOnceUnderItsKind() throws Exception {
        InMemoryMeters meters = new InMemoryMeters();
        TimeToFirstByte ttfb = new TimeToFirstByte(meters);
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        try (OutputStream out = ttfb.watch(sink, "library/alpine/blobs/sha256:ab", System.nanoTime())) {
            out.write(new byte[] {1, 2}, 0, 2);
            out.write(3);
        }
        assertArrayEquals(new byte[] {1, 2, 3}, sink.toByteArray());
        ttfb.watch(new ByteArrayOutputStream(), "library/alpine/manifests/3.20", System.nanoTime()).close();
        assertEquals(1, meters.timer("dfly_mirror_first_byte", "", "kind", "blob").count());
        assertEquals(1, meters.timer("dfly_mirror_first_byte", "", "kind", "manifest").count());
        assertEquals(0, meters.timer("dfly_mirror_first_byte", "", "kind", "other").count());
    }
}
