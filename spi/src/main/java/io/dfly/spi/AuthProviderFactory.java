package io.dfly.spi;

/** Creates an {@link AuthProvider}. */
public interface AuthProviderFactory {
    /** Plugin name, e.g. {@code passthrough}, {@code static}, {@code docker-config}. */
    String name();

    AuthProvider create(PluginSettings settings);
}
