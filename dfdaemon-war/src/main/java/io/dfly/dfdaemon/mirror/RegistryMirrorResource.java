package io.dfly.dfdaemon.mirror;

import io.dfly.mirror.MirrorRequest;
import io.dfly.mirror.MirrorResponse;
import io.dfly.mirror.TimeToFirstByte;
import jakarta.inject.Inject;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HEAD;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Request;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import jakarta.ws.rs.core.UriInfo;

import java.util.List;
import java.util.Map;

/** The registry API {@code /v2/...}: hands every request to the plain-Java {@link io.dfly.mirror.RegistryMirror}. */
@Path("v2")
public class RegistryMirrorResource {
    @Inject
    MirrorService service;

    // JAX-RS allows one HTTP method designator per resource method
    @GET
    public Response getRoot(@Context Request request, @Context UriInfo uri, @Context HttpHeaders headers) {
        return handle(request, "", uri, headers);
    }

    @GET
    @Path("{path: .*}")
    public Response get(@Context Request request, @PathParam("path") String path, @Context UriInfo uri,
                        @Context HttpHeaders headers) {
        return handle(request, path, uri, headers);
    }

    @HEAD
    public Response headRoot(@Context Request request, @Context UriInfo uri, @Context HttpHeaders headers) {
        return handle(request, "", uri, headers);
    }

    @HEAD
    @Path("{path: .*}")
    public Response head(@Context Request request, @PathParam("path") String path, @Context UriInfo uri,
                        @Context HttpHeaders headers) {
        return handle(request, path, uri, headers);
    }

    @POST
    public Response postRoot(@Context Request request, @Context UriInfo uri, @Context HttpHeaders headers) {
        return handle(request, "", uri, headers);
    }

    @POST
    @Path("{path: .*}")
    public Response post(@Context Request request, @PathParam("path") String path, @Context UriInfo uri,
                        @Context HttpHeaders headers) {
        return handle(request, path, uri, headers);
    }

    @PUT
    public Response putRoot(@Context Request request, @Context UriInfo uri, @Context HttpHeaders headers) {
        return handle(request, "", uri, headers);
    }

    @PUT
    @Path("{path: .*}")
    public Response put(@Context Request request, @PathParam("path") String path, @Context UriInfo uri,
                        @Context HttpHeaders headers) {
        return handle(request, path, uri, headers);
    }

    @PATCH
    public Response patchRoot(@Context Request request, @Context UriInfo uri, @Context HttpHeaders headers) {
        return handle(request, "", uri, headers);
    }

    @PATCH
    @Path("{path: .*}")
    public Response patch(@Context Request request, @PathParam("path") String path, @Context UriInfo uri,
                        @Context HttpHeaders headers) {
        return handle(request, path, uri, headers);
    }

    @DELETE
    public Response deleteRoot(@Context Request request, @Context UriInfo uri, @Context HttpHeaders headers) {
        return handle(request, "", uri, headers);
    }

    @DELETE
    @Path("{path: .*}")
    public Response delete(@Context Request request, @PathParam("path") String path, @Context UriInfo uri,
                        @Context HttpHeaders headers) {
        return handle(request, path, uri, headers);
    }

    private Response handle(Request request, String path, UriInfo uri, HttpHeaders headers) {
        long started = System.nanoTime();
        Map<String, List<String>> h = headers.getRequestHeaders();
        MirrorResponse r = service.mirror().handle(new MirrorRequest(request.getMethod(), path,
                uri.getQueryParameters(), h));
        Response.ResponseBuilder b = Response.status(r.status());
        r.headers().forEach((name, values) -> values.forEach(v -> b.header(name, v)));
        if (r.body() != null && !request.getMethod().equals("HEAD")) {
            MirrorResponse.Body body = r.body();
            TimeToFirstByte ttfb = service.timeToFirstByte();
            b.entity((StreamingOutput) out -> body.writeTo(ttfb.watch(out, path, started)));
        }
        return b.build();
    }
}
