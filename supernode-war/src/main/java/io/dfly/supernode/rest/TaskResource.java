package io.dfly.supernode.rest;

import io.dfly.core.protocol.PieceReport;
import io.dfly.core.protocol.PullRequest;
import io.dfly.core.protocol.PullResponse;
import io.dfly.core.protocol.RegisterRequest;
import io.dfly.core.protocol.RegisterResponse;
import io.dfly.supernode.SupernodeRuntime;
import io.dfly.supernode.task.TaskView;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.container.AsyncResponse;
import jakarta.ws.rs.container.Suspended;
import jakarta.ws.rs.core.MediaType;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** The peer-facing task API (see docs/PROTOCOL.md). */
@Path("/api/v1")
@RequestScoped
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class TaskResource {
    @Inject
    SupernodeRuntime runtime;

    @POST
    @Path("/tasks")
    public RegisterResponse register(RegisterRequest req) {
        return runtime.tasks().register(req);
    }

    /**
     * A pull that would answer WAIT is held on the supernode (up to {@code TaskService.PULL_HOLD_MILLIS})
     * until the task changes; the HTTP thread is released meanwhile.
     */
    @POST
    @Path("/tasks/{taskId}/pull")
    public void pull(@PathParam("taskId") String taskId, PullRequest req, @Suspended AsyncResponse async) {
        CompletableFuture<PullResponse> answer;
        try {
            answer = runtime.tasks().pullHeld(taskId, req);
        } catch (RuntimeException e) {
            async.resume(e);
            return;
        }
        answer.whenComplete((response, error) -> {
            if (error != null) {
                async.resume(error instanceof CompletionException && error.getCause() != null ? error.getCause() : error);
            } else {
                async.resume(response);
            }
        });
    }

    @POST
    @Path("/tasks/{taskId}/reports")
    public void report(@PathParam("taskId") String taskId, PieceReport report) {
        runtime.tasks().report(taskId, report);
    }

    @DELETE
    @Path("/tasks/{taskId}/peers/{peerId}")
    public void leave(@PathParam("taskId") String taskId, @PathParam("peerId") String peerId) {
        runtime.tasks().leave(taskId, peerId);
    }

    @POST
    @Path("/peers/{peerId}/heartbeat")
    public void heartbeat(@PathParam("peerId") String peerId) {
        runtime.tasks().heartbeat(peerId);
    }

    @GET
    @Path("/tasks")
    public List<TaskView> list() {
        return runtime.tasks().list();
    }

    @GET
    @Path("/tasks/{taskId}")
    public TaskView get(@PathParam("taskId") String taskId) {
        return runtime.tasks().view(taskId);
    }
}
