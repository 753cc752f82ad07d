package io.dfly.supernode.rest;

import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.core.Application;

/** JAX-RS root of the supernode; deployed at context root {@code /}. */
@ApplicationPath("/")
public class SupernodeApplication extends Application {
}
