package io.dfly.supernode.rest;

import io.dfly.supernode.SupernodeRuntime;
import io.dfly.supernode.task.TaskView;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;

import java.util.List;

/** {@code GET /api/v1/metrics}: Prometheus text. */
@Path("/api/v1/metrics")
@RequestScoped
public class MetricsResource {
    @Inject
    SupernodeRuntime runtime;

    @GET
    @Produces("text/plain; version=0.0.4")
    public String metrics() {
        List<TaskView> tasks = runtime.tasks().list();
        long peers = tasks.stream().mapToLong(TaskView::peers).sum();
        long active = tasks.stream().filter(TaskView::active).count();
        return runtime.metrics().render(tasks.size(), peers, active);
    }
}
