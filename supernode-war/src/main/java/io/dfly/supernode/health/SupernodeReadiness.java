package io.dfly.supernode.health;

import io.dfly.supernode.SupernodeRuntime;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** {@code /health/ready}: up only when the data dir is writable and the Hazelcast member runs. */
@Readiness
@ApplicationScoped
public class SupernodeReadiness implements HealthCheck {
    @Inject
    SupernodeRuntime runtime;

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("dfly-supernode").status(runtime.isReady()).build();
    }
}
