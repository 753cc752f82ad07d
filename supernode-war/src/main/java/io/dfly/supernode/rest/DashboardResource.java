package io.dfly.supernode.rest;

import io.dfly.supernode.SupernodeRuntime;
import io.dfly.supernode.dashboard.Dashboard;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** {@code GET /api/v1/dashboard}: the cluster at a glance, as the page at {@code /ui/} shows it (operator only). */
@Path("/api/v1/dashboard")
@RequestScoped
@Produces(MediaType.APPLICATION_JSON)
public class DashboardResource {
    @Inject
    SupernodeRuntime runtime;

    @GET
    @OperatorOnly
    public Dashboard dashboard() {
        return runtime.dashboard().snapshot();
    }
}
