package io.dfly.supernode.rest;

import io.dfly.supernode.SupernodeRuntime;
import io.dfly.supernode.preheat.OpenApiJobs;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.util.Map;

/**
 * The Dragonfly2 manager open API as Harbor 2.12+ uses it: {@code GET /healthy} (open, like {@code /_ping}),
 * {@code POST /oapi/v1/jobs} and {@code GET /oapi/v1/jobs/{id}} (operator token: Harbor sends it as its
 * "personal access token", {@code Authorization: Bearer …}). The work is {@link OpenApiJobs}'s.
 */
@Path("/")
@RequestScoped
@Produces(MediaType.APPLICATION_JSON)
public class OpenApiResource {
    @Inject
    SupernodeRuntime runtime;

    @GET
    @Path("healthy")
    public Map<String, String> healthy() {
        return Map.of("status", "ok");
    }

    @POST
    @Path("oapi/v1/jobs")
    @OperatorOnly
    @Consumes(MediaType.APPLICATION_JSON)
    public OpenApiJobs.Job create(OpenApiJobs.JobRequest req) {
        return new OpenApiJobs(runtime.preheats()).create(req);
    }

    @GET
    @Path("oapi/v1/jobs/{id}")
    @OperatorOnly
    public OpenApiJobs.Job get(@PathParam("id") String id) {
        return new OpenApiJobs(runtime.preheats()).get(id);
    }
}
