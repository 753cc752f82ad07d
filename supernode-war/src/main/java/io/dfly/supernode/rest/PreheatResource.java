package io.dfly.supernode.rest;

import io.dfly.core.security.SafeUrls;
import io.dfly.supernode.SupernodeRuntime;
import io.dfly.supernode.preheat.PreheatRecord;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Harbor's Dragonfly-provider protocol: {@code GET /_ping} (open), {@code POST /preheats} and
 * {@code GET /preheats/{id}} (operator token: Harbor's instance auth sends it as Basic or Bearer).
 */
@Path("/")
@RequestScoped
@Produces(MediaType.APPLICATION_JSON)
public class PreheatResource {
    @Inject
    SupernodeRuntime runtime;

    /** Harbor's preheat request. */
    public record PreheatRequest(String type, String url, Map<String, String> headers) {
        @Override
        public String toString() {
            return "PreheatRequest[type=" + type + ", url=" + SafeUrls.display(url) + "]"; // headers hold credentials
        }
    }

    @GET
    @Path("_ping")
    public Map<String, String> ping() {
        return Map.of();
    }

    @POST
    @Path("preheats")
    @OperatorOnly
    @Consumes(MediaType.APPLICATION_JSON)
    public Map<String, String> preheat(PreheatRequest req) {
        if (req == null) {
            throw io.dfly.supernode.task.ApiException.badRequest("missing request body");
        }
        return Map.of("ID", runtime.preheats().start(req.type(), req.url(), req.headers()));
    }

    @GET
    @Path("preheats/{id}")
    @OperatorOnly
    public Map<String, String> status(@PathParam("id") String id) {
        PreheatRecord r = runtime.preheats().get(id);
        Map<String, String> out = new LinkedHashMap<>();
        out.put("ID", r.id());
        out.put("status", r.status());
        out.put("startTime", r.startTime());
        out.put("finishTime", r.finishTime());
        out.put("errorMsg", r.errorMsg());
        return out;
    }
}
