package io.dfly.dfdaemon.rest;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * {@code GET /_ping}: a cheap liveness answer for scripts and load balancers; its {@code X-Dfly-Node: dfdaemon}
 * header is how dfget tells a dfdaemon from another server on the port (without reading a metrics page).
 */
@Path("/_ping")
public class PingResource {
    @GET
    @Produces(MediaType.TEXT_PLAIN)
    public Response ping() {
        return Response.ok("OK").header("X-Dfly-Node", "dfdaemon").build();
    }
}
