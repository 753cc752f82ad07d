package io.dfly.dfdaemon.engine;

import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;

/** {@code GET /api/v1/metrics}: the engine's counters in Prometheus text format. */
@Path("api/v1/metrics")
@RequestScoped
public class MetricsResource {
    @Inject
    EngineProducer engines;

    @GET
    @Produces("text/plain; version=0.0.4")
    public String metrics() {
        return engines.engine().metrics().prometheusText();
    }
}
