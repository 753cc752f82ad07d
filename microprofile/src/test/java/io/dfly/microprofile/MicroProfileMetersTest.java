package io.dfly.microprofile;

import org.eclipse.microprofile.metrics.Tag;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class MicroProfileMetersTest {
    @Test
    void tagsArePairs() {
        assertArrayEquals(new Tag[] {new Tag("source", "peer"), new Tag("cause", "digest")},
                MicroProfileMeters.tags("source", "peer", "cause", "digest"));
        assertArrayEquals(new Tag[0], MicroProfileMeters.tags());
        assertThrows(IllegalArgumentException.class, () -> MicroProfileMeters.tags("source"));
    }
}
