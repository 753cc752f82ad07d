package io.dfly.dfdaemon.download;

import io.dfly.core.download.DownloadHandle;
import io.dfly.core.security.HostTokens;
import io.dfly.dfdaemon.config.DfdaemonSettings;
import io.dfly.dfdaemon.engine.EngineProducer;
import io.dfly.engine.StoredTask;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;

import java.io.InputStream;

/**
 * dfget's API ({@link DownloadApi}): {@code POST /api/v1/downloads} downloads through the host's engine
 * and streams NDJSON progress, the last line naming {@code taskId}, {@code digest} and
 * {@code contentLength}; {@code GET /api/v1/downloads/{taskId}} streams that verified file. Both need a
 * host token ({@code Authorization: Dfly-Host}); a body naming an {@code output} is refused (400): the
 * daemon writes no file a caller names. The host keeps seeding the task afterwards.
 */
@Path("api/v1/downloads")
@RequestScoped
public class DownloadResource {
    @Inject
    EngineProducer engines;
    @Inject
    DfdaemonSettings settings;
    @Context
    HttpServletRequest http;

    private DownloadApi api() {
        return new DownloadApi(settings.clusterSecret().hostTokens());
    }

    @POST
    @Consumes(MediaType.WILDCARD)
    public Response download(@HeaderParam(HostTokens.HEADER) String authorization, InputStream body) {
        try {
            api().authorize(authorization, "POST", http.getRequestURI());
            DownloadApi.Request req = DownloadApi.parse(body);
            DownloadHandle handle = DownloadApi.start(engines.engine(), req, settings.backToSource());
            StreamingOutput stream = out -> DownloadApi.progress(handle, out);
            return Response.ok(stream, "application/x-ndjson").build();
        } catch (DownloadApi.ApiError e) {
            return error(e);
        } catch (java.io.IOException e) {
            return error(new DownloadApi.ApiError(400, "bad_request", "cannot read the request body"));
        }
    }

    @GET
    @Path("{taskId}")
    public Response file(@HeaderParam(HostTokens.HEADER) String authorization, @PathParam("taskId") String taskId) {
        try {
            api().authorize(authorization, "GET", http.getRequestURI());
            StoredTask t = DownloadApi.completed(engines.engine().store(), taskId);
            InputStream in = DownloadApi.open(t).orElseThrow(() -> new DownloadApi.ApiError(404, "not_found",
                    "task " + taskId + " is no longer cached on this dfdaemon"));
            StreamingOutput stream = out -> {
                try (in) {
                    in.transferTo(out);
                }
            };
            return Response.ok(stream, MediaType.APPLICATION_OCTET_STREAM_TYPE)
                    .header("Content-Length", t.contentLength())
                    .header(DownloadApi.DIGEST_HEADER, t.fileDigest())
                    .build();
        } catch (DownloadApi.ApiError e) {
            return error(e);
        }
    }

    private static Response error(DownloadApi.ApiError e) {
        return Response.status(e.status()).type(MediaType.APPLICATION_JSON_TYPE).entity(e.body()).build();
    }
}
