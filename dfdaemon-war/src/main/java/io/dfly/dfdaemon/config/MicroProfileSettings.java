package io.dfly.dfdaemon.config;

import io.dfly.core.config.InvalidSettingException;
import io.dfly.core.config.Settings;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Reads {@link DfdaemonSettings} from MicroProfile Config (system properties, `DFLY_...` environment
 * variables, {@code --systemproperties} files) and fails startup on a bad value with one line naming
 * the property.
 */
@ApplicationScoped
public class MicroProfileSettings {
    private static final Logger LOG = Logger.getLogger("io.dfly.dfdaemon");

    /** Reads and validates all settings; used by the producer and at startup. */
    public static DfdaemonSettings load() {
        Config config = ConfigProvider.getConfig();
        return new DfdaemonSettings(new Settings(key -> config.getOptionalValue(key, String.class)));
    }

    @Produces
    @ApplicationScoped
    public DfdaemonSettings settings() {
        return load();
    }

    /** Validates every setting as the application starts; a bad one stops the process. */
    void onStart(@Observes @Initialized(ApplicationScoped.class) Object ignored) {
        try {
            load();
        } catch (InvalidSettingException e) {
            LOG.log(Level.SEVERE, "dfly dfdaemon cannot start: {0}", e.getMessage());
            System.err.println("dfly dfdaemon cannot start: " + e.getMessage());
            System.err.flush();
            // a node with a wrong setting must not half-run: stop the whole Payara Micro process
            Runtime.getRuntime().halt(2);
        }
    }
}
