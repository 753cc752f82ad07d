package io.dfly.dfdaemon.rest;

import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.core.Application;

/** JAX-RS root of dfdaemon; deployed at context root {@code /} so {@code /v2/} is the registry API. */
@ApplicationPath("/")
public class DfdaemonApplication extends Application {
}
