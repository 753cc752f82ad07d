package io.dfly.core.config;

import org.junit.jupiter.api.Test;

import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@link ByteSize#format} and {@link ByteSize#oneDecimal} print what {@code %.1f} would, without String.format. */
class ByteSizeFormatTest {
    @Test
    void humanSizes() {
        assertEquals("0 B", ByteSize.format(0));
        assertEquals("1023 B", ByteSize.format(1023));
        assertEquals("1.0 KiB", ByteSize.format(1024));
        assertEquals("1.5 KiB", ByteSize.format(1536));
        assertEquals("200.0 MiB", ByteSize.format(200L << 20));
        assertEquals("1024.0 KiB", ByteSize.format((1L << 20) - 1));
        assertEquals("2048.0 TiB", ByteSize.format(1L << 51));
    }

    @Test
    void oneDecimalMatchesPercentPointOneF() {
        for (double v : new double[]{0, 0.04, 0.05, 0.25, 0.96, 1, 1.25, 9.99, 10.04, 123.45, 1023.96, 99999.9}) {
            assertEquals(String.format(Locale.ROOT, "%.1f", v), ByteSize.oneDecimal(v), "for " + v);
        }
    }
}
