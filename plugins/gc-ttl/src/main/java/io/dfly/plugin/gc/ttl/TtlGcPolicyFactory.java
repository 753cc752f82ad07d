package io.dfly.plugin.gc.ttl;

import io.dfly.spi.GcPolicy;
import io.dfly.spi.GcPolicyFactory;
import io.dfly.spi.InvalidPluginSettingException;
import io.dfly.spi.PluginSettings;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Creates the {@code ttl} policy. Setting: {@code dfly.plugin.ttl.max-idle} (default {@code 24h}): a
 * task not read or written for longer is evicted.
 */
public final class TtlGcPolicyFactory implements GcPolicyFactory {
    public static final String MAX_IDLE = "max-idle";
    public static final Duration DEFAULT_MAX_IDLE = Duration.ofHours(24);
    private static final Pattern FORMAT = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");

    @Override
    public String name() {
        return "ttl";
    }

    @Override
    public GcPolicy create(PluginSettings settings) {
        return new TtlGcPolicy(settings.get(MAX_IDLE).map(v -> parse(settings, v)).orElse(DEFAULT_MAX_IDLE));
    }

    static Duration parse(PluginSettings settings, String text) {
        Matcher m = FORMAT.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new InvalidPluginSettingException("invalid value '" + text + "' for dfly.plugin." + settings.pluginName()
                    + "." + MAX_IDLE + ": want a duration such as 30s, 5m, 2h or 7d");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }
}
