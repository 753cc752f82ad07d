package io.dfly.dfdaemon.peer;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.dfly.core.protocol.ErrorBody;
import io.dfly.core.protocol.PieceHeaders;
import io.dfly.dfdaemon.engine.EngineProducer;
import io.dfly.engine.PieceUploadService;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;

import java.io.IOException;
import java.util.Optional;

/**
 * {@code GET /peer/tasks/{taskId}/pieces/{n}}: serves a piece this host holds to another peer. The logic
 * is the engine's {@link PieceUploadService} (the same one dfget's in-process server uses).
 */
@Path("peer/tasks/{taskId}/pieces/{n}")
@RequestScoped
public class PeerUploadResource {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    EngineProducer engines;

    @GET
    public Response piece(@PathParam("taskId") String taskId, @PathParam("n") String n) throws IOException {
        PieceUploadService service = engines.engine().uploadService();
        Optional<PieceUploadService.Piece> piece;
        try {
            piece = service.find(taskId, n);
        } catch (IllegalArgumentException e) {
            return error(400, "bad_request", e.getMessage());
        }
        if (piece.isEmpty()) {
            return error(404, "not_found", "piece " + n + " of task " + taskId + " is not held here");
        }
        PieceUploadService.Piece p = piece.get();
        StreamingOutput body = out -> service.write(p, out);
        return Response.ok(body, MediaType.APPLICATION_OCTET_STREAM_TYPE)
                .header("Content-Length", p.length())
                .header(PieceHeaders.PIECE_DIGEST, p.digest())
                .build();
    }

    private static Response error(int status, String code, String message) throws IOException {
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE)
                .entity(JSON.writeValueAsString(new ErrorBody(code, message))).build();
    }
}
