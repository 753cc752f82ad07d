package io.dfly.supernode.rest;

import io.dfly.core.protocol.PieceHeaders;
import io.dfly.core.security.HostTokens;
import io.dfly.core.security.PieceGrants;
import io.dfly.core.task.TaskIds;
import io.dfly.supernode.SupernodeRuntime;
import io.dfly.supernode.cdn.CdnStore;
import io.dfly.supernode.task.ApiException;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Request;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import jakarta.ws.rs.core.StreamingOutput;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;

/**
 * Serves pieces of this member's CDN copy: {@code GET /peer/tasks/{taskId}/pieces/{n}}, only to an enrolled
 * host presenting the grant the supernode made for it ({@link io.dfly.supernode.auth.PieceAccess}); else 403
 * and no bytes. Malformed ids are a 400 first; whether the piece is here (404) is told only after that check.
 */
@Path("/peer/tasks")
@RequestScoped
public class PieceResource {
    @Inject
    SupernodeRuntime runtime;

    @GET
    @Path("/{taskId}/pieces/{n}")
    public Response piece(@PathParam("taskId") String taskId, @PathParam("n") String n, @Context HttpHeaders headers,
                          @Context UriInfo uri, @Context Request request) {
        if (!TaskIds.isValid(taskId)) {
            throw ApiException.badRequest("invalid task id (want 64 lowercase hex characters)");
        }
        int piece;
        try {
            piece = Integer.parseInt(n);
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("invalid piece number");
        }
        if (piece < 0) {
            throw ApiException.badRequest("invalid piece number");
        }
        runtime.pieceAccess().refusal(headers.getHeaderString(HostTokens.HEADER), headers.getHeaderString(PieceGrants.HEADER),
                request.getMethod(), uri.getRequestUri().getRawPath(), taskId, piece).ifPresent(reason -> {
                    throw new ApiException(403, "forbidden", reason);
                });
        CdnStore.PieceRef ref = runtime.cdn().piece(taskId, piece)
                .orElseThrow(() -> ApiException.notFound("piece_not_found", "no piece " + piece + " of task " + taskId + " here"));
        StreamingOutput body = out -> copy(ref, out);
        return Response.ok(body, "application/octet-stream")
                .header("Content-Length", ref.length())
                .header(PieceHeaders.PIECE_DIGEST, ref.digest())
                .build();
    }

    private void copy(CdnStore.PieceRef ref, OutputStream out) throws IOException {
        try (FileChannel ch = FileChannel.open(ref.file(), StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocate(256 * 1024);
            long pos = ref.offset();
            long left = ref.length();
            while (left > 0) {
                buf.clear().limit((int) Math.min(buf.capacity(), left));
                int r = ch.read(buf, pos);
                if (r < 0) {
                    throw new IOException("piece file shorter than expected");
                }
                out.write(buf.array(), 0, r);
                pos += r;
                left -= r;
                runtime.metrics().bytesServed.add(r);
            }
        }
    }
}
