package io.dfly.dfdaemon.health;

import io.dfly.dfdaemon.config.DfdaemonSettings;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import java.nio.file.Files;

/** dfdaemon is ready only when it can write its data dir (the piece cache). */
@Readiness
@ApplicationScoped
public class DataDirReadiness implements HealthCheck {
    @Inject
    DfdaemonSettings settings;

    @Override
    public HealthCheckResponse call() {
        boolean writable = Files.isDirectory(settings.dataDir()) && Files.isWritable(settings.dataDir());
        return HealthCheckResponse.named("dfdaemon-data-dir").status(writable)
                .withData("path", settings.dataDir().toString()).build();
    }
}
