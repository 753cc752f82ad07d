package io.dfly.microprofile;

import io.dfly.core.config.InvalidSettingException;
import io.dfly.core.config.Settings;
import io.dfly.core.plugin.PluginException;
import io.dfly.core.security.SecretFiles;
import io.dfly.spi.InvalidPluginSettingException;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;

import java.util.Optional;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The dfly settings of either WAR as MicroProfile Config sees them (system properties, {@code DFLY_...}
 * environment variables, {@code --systemproperties} files), and the one way a WAR stops on a bad one. The
 * typed settings ({@code SupernodeSettings}, {@code DfdaemonSettings}) read through {@link #settings()}.
 */
public final class MicroProfileSettings {
    private MicroProfileSettings() {
    }

    /** Every {@code dfly.*} setting, read when asked. */
    public static Settings settings() {
        return new Settings(properties());
    }

    /** The raw lookup, for plugins' {@code dfly.plugin.<name>.*} settings. */
    public static Function<String, Optional<String>> properties() {
        Config config = ConfigProvider.getConfig();
        return key -> config.getOptionalValue(key, String.class);
    }

    /**
     * Runs the start-up check of {@code component} ("supernode", "dfdaemon"): a bad setting, an unknown
     * plugin or a bad secret file stops the whole process with one line naming it.
     */
    public static void check(String component, Runnable check) {
        try {
            check.run();
        } catch (RuntimeException e) {
            // a producer's failure may reach here wrapped by the container
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof InvalidSettingException || t instanceof PluginException
                        || t instanceof InvalidPluginSettingException || t instanceof SecretFiles.SecretFileException) {
                    stop(component, t.getMessage());
                    return;
                }
            }
            throw e;
        }
    }

    /** Stops the whole Payara Micro process with one line: a node with a wrong setting must not half-run. */
    public static void stop(String component, String why) {
        String line = "dfly " + component + " cannot start: " + why;
        Logger.getLogger("io.dfly." + component).log(Level.SEVERE, line);
        System.err.println(line);
        System.err.flush();
        Runtime.getRuntime().halt(2);
    }
}
