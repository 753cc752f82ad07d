package io.dfly.supernode.rest;

import io.dfly.core.security.SafeText;
import io.dfly.core.protocol.ErrorBody;
import io.dfly.supernode.task.ApiException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;

import java.util.Locale;
import java.util.logging.Level;
import java.util.logging.Logger;

/** Every error answers {@code {"error","message"}} with a proper status; bad input is never a 500. */
public final class ErrorMappers {
    private static final Logger LOG = Logger.getLogger(ErrorMappers.class.getName());

    private ErrorMappers() {
    }

    static Response error(int status, String code, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE)
                .entity(new ErrorBody(code, message == null ? code : message.replace('\n', ' '))).build();
    }

    @Provider
    public static class Api implements ExceptionMapper<ApiException> {
        @Override
        public Response toResponse(ApiException e) {
            Response r = error(e.status(), e.code(), e.getMessage());
            if (e.retryAfterSeconds() > 0) {
                return Response.fromResponse(r).header("Retry-After", e.retryAfterSeconds()).build();
            }
            return r;
        }
    }

    @Provider
    public static class BadArgument implements ExceptionMapper<IllegalArgumentException> {
        @Override
        public Response toResponse(IllegalArgumentException e) {
            return error(400, "bad_request", e.getMessage());
        }
    }

    @Provider
    public static class Web implements ExceptionMapper<WebApplicationException> {
        @Override
        public Response toResponse(WebApplicationException e) {
            int status = e.getResponse().getStatus();
            String code = Response.Status.fromStatusCode(status) == null ? "error"
                    : Response.Status.fromStatusCode(status).name().toLowerCase(Locale.ROOT);
            return error(status, code, e.getMessage());
        }
    }

    @Provider
    public static class Unexpected implements ExceptionMapper<Exception> {
        @Override
        public Response toResponse(Exception e) {
            LOG.log(Level.WARNING, "unexpected error", io.dfly.core.security.SafeText.scrubbed(e));
            return error(500, "internal", "internal error: " + e.getClass().getSimpleName());
        }
    }
}
