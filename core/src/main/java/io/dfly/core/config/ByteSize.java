package io.dfly.core.config;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Byte sizes and rates as Dragonfly 0.3 wrote them: {@code 20M}, {@code 100M}, {@code 1G}, {@code 512K},
 * {@code 4096} (binary units; an optional trailing {@code B} or {@code iB} is accepted, e.g. {@code 20MB}, {@code 20MiB}).
 */
public final class ByteSize {
    private static final Pattern FORMAT = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([KMGT]?)(I?B)?", Pattern.CASE_INSENSITIVE);

    private ByteSize() {
    }

    /** @throws IllegalArgumentException with a message saying what is wanted */
    public static long parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("empty size");
        }
        Matcher m = FORMAT.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a size (want e.g. 512K, 20M, 1G)");
        }
        double number = Double.parseDouble(m.group(1));
        long unit = switch (m.group(2).toUpperCase(Locale.ROOT)) {
            case "K" -> 1L << 10;
            case "M" -> 1L << 20;
            case "G" -> 1L << 30;
            case "T" -> 1L << 40;
            default -> 1L;
        };
        return (long) (number * unit);
    }

    /** Human form, e.g. {@code 1.5 GiB}. */
    public static String format(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int i = -1;
        while (v >= 1024 && i < units.length - 1) {
            v /= 1024;
            i++;
        }
        return oneDecimal(v) + " " + units[i];
    }

    /**
     * {@code v} (not negative) with one decimal, rounded half up, e.g. {@code 1.5}: what {@code %.1f} prints, without
     * {@link String#format}, whose first call costs a short-lived CLI (dfget) tens of milliseconds of locale setup.
     */
    public static String oneDecimal(double v) {
        long tenths = Math.round(v * 10);
        return tenths / 10 + "." + tenths % 10;
    }
}
