package io.dfly.supernode.rest;

import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.ext.Provider;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Which guard each endpoint has: the peer API is for enrolled hosts, listings and preheat for the operator,
 * pieces check token + grant in the resource; only ping and health are open here (Payara's {@code /metrics},
 * counters only, is open too: docs/SECURITY.md). A new
 * endpoint fails this test until it is placed here.
 */
class EndpointGuardsTest {
    private static final Map<String, String> EXPECTED = new TreeMap<>(Map.ofEntries(
            Map.entry("POST /api/v1/tasks", "enrolled"),
            Map.entry("POST /api/v1/tasks/{taskId}/pull", "enrolled"),
            Map.entry("POST /api/v1/tasks/{taskId}/reports", "enrolled"),
            Map.entry("DELETE /api/v1/tasks/{taskId}/peers/{peerId}", "enrolled"),
            Map.entry("POST /api/v1/peers/{peerId}/heartbeat", "enrolled"),
            Map.entry("GET /api/v1/tasks", "operator"),
            Map.entry("GET /api/v1/tasks/{taskId}", "operator"),
            Map.entry("POST /preheats", "operator"),
            Map.entry("GET /preheats/{id}", "operator"),
            Map.entry("GET /peer/tasks/{taskId}/pieces/{n}", "token+grant in the resource"),
            Map.entry("GET /_ping", "open"),
            Map.entry("GET /healthy", "open"),
            Map.entry("POST /oapi/v1/jobs", "operator"),
            Map.entry("GET /oapi/v1/jobs/{id}", "operator"),
            Map.entry("GET /api/v1/dashboard", "operator"),
            Map.entry("GET /ui", "operator"),
            Map.entry("GET /ui/{file}", "operator")));

    @Test
    void everyEndpointHasItsGuard() {
        Map<String, String> found = new TreeMap<>();
        for (Class<?> resource : new Class<?>[]{TaskResource.class, PreheatResource.class, OpenApiResource.class,
                PieceResource.class, DashboardResource.class, UiResource.class}) {
            String root = resource.getAnnotation(Path.class).value();
            for (Method m : resource.getDeclaredMethods()) {
                String verb = m.isAnnotationPresent(GET.class) ? "GET" : m.isAnnotationPresent(POST.class) ? "POST"
                        : m.isAnnotationPresent(DELETE.class) ? "DELETE" : null;
                if (verb == null) {
                    continue;
                }
                String sub = m.isAnnotationPresent(Path.class) ? m.getAnnotation(Path.class).value() : "";
                String path = (root + "/" + sub).replaceAll("/+", "/").replaceAll("(.)/$", "$1");
                boolean enrolled = m.isAnnotationPresent(EnrolledHostsOnly.class) || resource.isAnnotationPresent(EnrolledHostsOnly.class);
                boolean operator = m.isAnnotationPresent(OperatorOnly.class) || resource.isAnnotationPresent(OperatorOnly.class);
                String guard = enrolled && operator ? "both?" : enrolled ? "enrolled" : operator ? "operator"
                        : resource == PieceResource.class ? "token+grant in the resource" : "open";
                found.put(verb + " " + path, guard);
            }
        }
        assertEquals(EXPECTED, found);
    }

    @Test
    void theFiltersAreBoundProviders() {
        assertTrue(EnrolledHostFilter.class.isAnnotationPresent(Provider.class)
                && EnrolledHostFilter.class.isAnnotationPresent(EnrolledHostsOnly.class));
        assertTrue(OperatorFilter.class.isAnnotationPresent(Provider.class) && OperatorFilter.class.isAnnotationPresent(OperatorOnly.class));
    }
}
