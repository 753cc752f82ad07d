package io.dfly.core.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Typed, validated reads of dfly properties from any key/value source (MicroProfile Config in the
 * WARs, a map in tests). Every failure is an {@link InvalidSettingException} whose message is one
 * line naming the property, the bad value and what is wanted.
 */
public final class Settings {
    private final Function<String, Optional<String>> source;

    public Settings(Function<String, Optional<String>> source) {
        this.source = source;
    }

    public Optional<String> raw(String key) {
        return source.apply(key).map(String::trim).filter(s -> !s.isEmpty());
    }

    public String string(String key, String defaultValue) {
        return raw(key).orElse(defaultValue);
    }

    public int port(String key, int defaultValue) {
        Optional<String> v = raw(key);
        if (v.isEmpty()) {
            return defaultValue;
        }
        try {
            int p = Integer.parseInt(v.get());
            if (p >= 0 && p <= 65535) {
                return p;
            }
        } catch (NumberFormatException ignored) {
            // fall through to the error below
        }
        throw invalid(key, v.get(), "a port number from 0 to 65535");
    }

    public int integer(String key, int defaultValue, int min, int max) {
        Optional<String> v = raw(key);
        if (v.isEmpty()) {
            return defaultValue;
        }
        try {
            int n = Integer.parseInt(v.get());
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // fall through
        }
        throw invalid(key, v.get(), "a whole number from " + min + " to " + max);
    }

    public double ratio(String key, double defaultValue) {
        Optional<String> v = raw(key);
        if (v.isEmpty()) {
            return defaultValue;
        }
        try {
            double d = Double.parseDouble(v.get());
            if (d >= 0 && d <= 1) {
                return d;
            }
        } catch (NumberFormatException ignored) {
            // fall through
        }
        throw invalid(key, v.get(), "a fraction from 0 to 1, e.g. 0.8");
    }

    public boolean bool(String key, boolean defaultValue) {
        Optional<String> v = raw(key);
        if (v.isEmpty()) {
            return defaultValue;
        }
        return switch (v.get().toLowerCase(java.util.Locale.ROOT)) {
            case "true", "yes", "on", "1" -> true;
            case "false", "no", "off", "0" -> false;
            default -> throw invalid(key, v.get(), "true or false");
        };
    }

    /** A byte size or rate, e.g. {@code 100M}; {@code 0} means unlimited where a rate is meant. */
    public long bytes(String key, long defaultValue) {
        Optional<String> v = raw(key);
        if (v.isEmpty()) {
            return defaultValue;
        }
        try {
            return ByteSize.parse(v.get());
        } catch (IllegalArgumentException e) {
            throw invalid(key, v.get(), "a size such as 512K, 20M or 1G");
        }
    }

    public Duration duration(String key, Duration defaultValue) {
        Optional<String> v = raw(key);
        if (v.isEmpty()) {
            return defaultValue;
        }
        try {
            return DurationText.parse(v.get());
        } catch (IllegalArgumentException e) {
            throw invalid(key, v.get(), "a duration such as 30s, 5m, 2h or 7d");
        }
    }

    /** Comma-separated list; empty when unset. */
    public List<String> list(String key, List<String> defaultValue) {
        Optional<String> v = raw(key);
        if (v.isEmpty()) {
            return defaultValue;
        }
        return Arrays.stream(v.get().split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    /** {@code host:port} items, comma-separated; each validated. */
    public List<HostPort> hostPorts(String key, List<HostPort> defaultValue, int defaultPort) {
        Optional<String> v = raw(key);
        if (v.isEmpty()) {
            return defaultValue;
        }
        try {
            return Arrays.stream(v.get().split(",")).map(String::trim).filter(s -> !s.isEmpty())
                    .map(s -> HostPort.parse(s, defaultPort)).toList();
        } catch (IllegalArgumentException e) {
            throw invalid(key, v.get(), "host:port[,host:port...] (" + e.getMessage() + ")");
        }
    }

    /** A directory that exists or can be created, and is writable. */
    public Path writableDir(String key, Path defaultValue) {
        String text = raw(key).orElse(defaultValue.toString());
        Path p = Path.of(expandHome(text));
        try {
            Files.createDirectories(p);
        } catch (Exception e) {
            throw invalid(key, text, "a directory dfly can create (" + e.getClass().getSimpleName() + ")");
        }
        if (!Files.isWritable(p)) {
            throw invalid(key, text, "a writable directory");
        }
        return p;
    }

    /** An existing readable directory, or empty when unset. */
    public Optional<Path> existingDir(String key) {
        Optional<String> v = raw(key);
        if (v.isEmpty()) {
            return Optional.empty();
        }
        Path p = Path.of(expandHome(v.get()));
        if (!Files.isDirectory(p) || !Files.isReadable(p)) {
            throw invalid(key, v.get(), "an existing, readable directory");
        }
        return Optional.of(p);
    }

    public static String expandHome(String path) {
        if (path.equals("~") || path.startsWith("~/")) {
            return System.getProperty("user.home") + path.substring(1);
        }
        return path;
    }

    public static InvalidSettingException invalid(String key, String value, String wanted) {
        return new InvalidSettingException(key, "invalid value '" + value + "' for " + key + ": want " + wanted);
    }
}
