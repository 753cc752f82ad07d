package io.dfly.microprofile;

import io.dfly.core.metrics.Meters;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.metrics.MetricRegistry;

/** Gives either WAR's beans the {@link Meters} of its application registry ({@link MicroProfileMeters}). */
@ApplicationScoped
public class MetersProducer {
    @Inject
    MetricRegistry registry;

    @Produces
    @Singleton
    public Meters meters() {
        return new MicroProfileMeters(registry);
    }
}
