package io.dfly.supernode.rest;

import io.dfly.core.protocol.PieceReport;
import io.dfly.core.protocol.PullRequest;
import io.dfly.core.protocol.PullResponse;
import io.dfly.core.protocol.RegisterRequest;
import io.dfly.core.protocol.RegisterResponse;
import io.dfly.supernode.SupernodeRuntime;
import io.dfly.supernode.auth.PeerAuthenticator;
import io.dfly.supernode.task.TaskView;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.container.AsyncResponse;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.Suspended;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The peer-facing task API (see docs/PROTOCOL.md): enrolled hosts only, each acting for its own peer id;
 * the listings are the operator's. Registrations and pulls that wait release the HTTP thread meanwhile.
 */
@Path("/api/v1")
@RequestScoped
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class TaskResource {
    @Inject
    SupernodeRuntime runtime;

    /**
     * Answered once the origin's answer is known, without holding the HTTP thread. The {@code peerUrl}'s
     * host must be the address this request came from (the TCP peer: no proxy header is trusted).
     */
    @POST
    @Path("/tasks")
    @EnrolledHostsOnly
    public void register(RegisterRequest req, @Context ContainerRequestContext request, @Context HttpServletRequest http,
                         @Suspended AsyncResponse async) {
        CompletableFuture<RegisterResponse> answer;
        try {
            if (req != null) {
                PeerAuthenticator.requireSamePeer(EnrolledHostFilter.peerId(request), req.peerId());
            }
            answer = runtime.tasks().registerAsync(req, http.getRemoteAddr());
        } catch (RuntimeException e) {
            async.resume(e);
            return;
        }
        resumeWhenDone(answer, async);
    }

    /**
     * A pull that would answer WAIT is held on the supernode (up to {@code TaskService.PULL_HOLD_MILLIS})
     * until the task changes; the HTTP thread is released meanwhile.
     */
    @POST
    @Path("/tasks/{taskId}/pull")
    @EnrolledHostsOnly
    public void pull(@PathParam("taskId") String taskId, PullRequest req, @Context ContainerRequestContext request,
                     @Suspended AsyncResponse async) {
        CompletableFuture<PullResponse> answer;
        try {
            if (req != null) {
                PeerAuthenticator.requireSamePeer(EnrolledHostFilter.peerId(request), req.peerId());
            }
            answer = runtime.tasks().pullHeld(taskId, req);
        } catch (RuntimeException e) {
            async.resume(e);
            return;
        }
        resumeWhenDone(answer, async);
    }

    private static void resumeWhenDone(CompletableFuture<?> answer, AsyncResponse async) {
        answer.whenComplete((response, error) -> {
            if (error != null) {
                async.resume(error instanceof CompletionException && error.getCause() != null ? error.getCause() : error);
            } else {
                async.resume(response);
            }
        });
    }

    /** Counted only when it ends an assignment this supernode made to that peer (else ignored; still 204). */
    @POST
    @Path("/tasks/{taskId}/reports")
    @EnrolledHostsOnly
    public void report(@PathParam("taskId") String taskId, PieceReport report, @Context ContainerRequestContext request) {
        if (report != null) {
            PeerAuthenticator.requireSamePeer(EnrolledHostFilter.peerId(request), report.peerId());
        }
        runtime.tasks().report(taskId, report);
    }

    /** The filter checked that the path's peer is the token's. */
    @DELETE
    @Path("/tasks/{taskId}/peers/{peerId}")
    @EnrolledHostsOnly
    public void leave(@PathParam("taskId") String taskId, @PathParam("peerId") String peerId) {
        runtime.tasks().leave(taskId, peerId);
    }

    /** No body: the peer is alive (one write of its liveness record). The filter checked the path's peer. */
    @POST
    @Path("/peers/{peerId}/heartbeat")
    @EnrolledHostsOnly
    public void heartbeat(@PathParam("peerId") String peerId) {
        runtime.tasks().heartbeat(peerId);
    }

    @GET
    @Path("/tasks")
    @OperatorOnly
    public List<TaskView> list() {
        return runtime.tasks().list();
    }

    @GET
    @Path("/tasks/{taskId}")
    @OperatorOnly
    public TaskView get(@PathParam("taskId") String taskId) {
        return runtime.tasks().view(taskId);
    }
}
