package io.dfly.supernode.rest;

import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.core.Application;

import java.util.Map;

/**
 * JAX-RS root of the supernode; deployed at context root {@code /}. JSON-B (Payara's default) and
 * MOXy are switched off so {@link JsonProvider} (Jackson, with 400 answers for malformed JSON) handles JSON.
 */
@ApplicationPath("/")
public class SupernodeApplication extends Application {
    @Override
    public Map<String, Object> getProperties() {
        return Map.of("jersey.config.disableJsonBinding", true,
                "jersey.config.server.disableJsonBinding", true,
                // MOXy would otherwise inspect every record type and log a JAXB warning per request
                "jersey.config.disableMoxyJson", true,
                "jersey.config.server.disableMoxyJson", true);
    }
}
