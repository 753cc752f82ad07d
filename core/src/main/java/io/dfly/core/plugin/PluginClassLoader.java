package io.dfly.core.plugin;

import java.net.URL;
import java.net.URLClassLoader;

/**
 * The class loader of one external plugin jar: the SPI ({@code io.dfly.spi}) and the JDK come from the
 * host, everything else from the jar first. So a plugin that bundles a library (Jackson, say) uses its own
 * copy even when the host has another version; what the jar lacks is still looked up in the host.
 */
final class PluginClassLoader extends URLClassLoader {
    static {
        registerAsParallelCapable();
    }

    PluginClassLoader(String name, URL jar, ClassLoader host) {
        super(name, new URL[]{jar}, host);
    }

    /** Classes every plugin shares with the host: the contract, and the platform. */
    static boolean shared(String className) {
        return className.startsWith("io.dfly.spi.") || className.startsWith("java.") || className.startsWith("javax.")
                || className.startsWith("jdk.") || className.startsWith("sun.");
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        if (shared(name)) {
            return super.loadClass(name, resolve);
        }
        synchronized (getClassLoadingLock(name)) {
            Class<?> c = findLoadedClass(name);
            if (c == null) {
                try {
                    c = findClass(name); // the jar first
                } catch (ClassNotFoundException notInJar) {
                    return super.loadClass(name, resolve);
                }
            }
            if (resolve) {
                resolveClass(c);
            }
            return c;
        }
    }

    @Override
    public URL getResource(String name) {
        if (name.startsWith("META-INF/services/") || name.startsWith("io/dfly/spi/")) {
            return super.getResource(name); // services: ServiceLoader reads them all (PluginLoader keeps the jar's own)
        }
        URL own = findResource(name);
        return own != null ? own : super.getResource(name);
    }
}
