package io.dfly.it.arquillian;

import io.dfly.core.security.SecretFiles;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

import java.nio.file.Path;

/**
 * Makes the cluster secret and operator token files that arquillian.xml names (under
 * {@code arquillian.data.dir}) before any test runs: Arquillian starts Payara Micro before a test class's
 * own code, and a dfdaemon without its cluster secret rightly refuses to start.
 */
public final class ArquillianSecrets implements LauncherSessionListener {
    @Override
    public void launcherSessionOpened(LauncherSession session) {
        String dir = System.getProperty("arquillian.data.dir");
        if (dir != null) {
            SecretFiles.createIfMissing(Path.of(dir, "cluster.secret"));
            SecretFiles.createIfMissing(Path.of(dir, "api.token"));
        }
    }
}
