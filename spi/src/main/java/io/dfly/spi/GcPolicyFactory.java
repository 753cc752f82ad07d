package io.dfly.spi;

/** Creates a {@link GcPolicy}. */
public interface GcPolicyFactory {
    /** Plugin name, e.g. {@code ttl}, {@code watermark}. */
    String name();

    GcPolicy create(PluginSettings settings);
}
