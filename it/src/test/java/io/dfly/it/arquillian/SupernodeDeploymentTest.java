package io.dfly.it.arquillian;

import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URL;
import java.net.http.HttpResponse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Arquillian deploys the supernode WAR exactly as built into dist on Payara Micro; it must come up healthy. */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class SupernodeDeploymentTest {

    @Deployment(testable = false)
    static WebArchive war() {
        return WarHealth.distWar("supernode.war");
    }

    @ArquillianResource
    URL base;

    @Test
    void deployedWarIsReadyAndAnswers() throws Exception {
        HttpResponse<String> ready = WarHealth.get(base, "/health/ready");
        assertEquals(200, ready.statusCode(), ready.body());
        assertTrue(ready.body().contains("\"UP\""), ready.body());

        HttpResponse<String> ping = WarHealth.get(base, WarHealth.appPath("supernode.war", "_ping"));
        assertEquals(200, ping.statusCode(), "GET " + base + "_ping: " + ping.body());
    }
}
