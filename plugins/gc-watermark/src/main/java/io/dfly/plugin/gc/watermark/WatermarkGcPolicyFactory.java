package io.dfly.plugin.gc.watermark;

import io.dfly.spi.GcPolicy;
import io.dfly.spi.GcPolicyFactory;
import io.dfly.spi.InvalidPluginSettingException;
import io.dfly.spi.PluginSettings;

/**
 * Creates the {@code watermark} policy. Settings: {@code dfly.plugin.watermark.high} (default 0.80)
 * and {@code dfly.plugin.watermark.low} (default 0.60), fractions of the data dir's file system.
 */
public final class WatermarkGcPolicyFactory implements GcPolicyFactory {
    public static final double DEFAULT_HIGH = 0.80;
    public static final double DEFAULT_LOW = 0.60;

    @Override
    public String name() {
        return "watermark";
    }

    @Override
    public GcPolicy create(PluginSettings settings) {
        double high = fraction(settings, "high", DEFAULT_HIGH);
        double low = fraction(settings, "low", DEFAULT_LOW);
        if (low > high) {
            throw new InvalidPluginSettingException("dfly.plugin.watermark.low (" + low
                    + ") must not be above dfly.plugin.watermark.high (" + high + ")");
        }
        return new WatermarkGcPolicy(high, low);
    }

    private static double fraction(PluginSettings settings, String key, double defaultValue) {
        String v = settings.get(key).orElse(null);
        if (v == null || v.isBlank()) {
            return defaultValue;
        }
        try {
            double d = Double.parseDouble(v.trim());
            if (d >= 0 && d <= 1) {
                return d;
            }
        } catch (NumberFormatException ignored) {
            // fall through
        }
        throw new InvalidPluginSettingException("invalid value '" + v + "' for dfly.plugin.watermark." + key
                + ": want a fraction from 0 to 1, e.g. 0.8");
    }
}
