package io.dfly.logging;

import org.junit.jupiter.api.Test;

import java.util.logging.Level;
import java.util.logging.LogRecord;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KnownNoiseTest {
    private static LogRecord record(Level level, String logger, String message) {
        LogRecord r = new LogRecord(level, message);
        r.setLoggerName(logger);
        return r;
    }

    @Test
    void aTlsHelloOnThePlainPortIsOneFineLineWithoutStackTrace() {
        // what Grizzly logs when docker or skopeo try https:// on the plain mirror port
        LogRecord r = record(Level.WARNING, "org.glassfish.grizzly.filterchain.DefaultFilterChain",
                "GRIZZLY0013: Exception during FilterChain execution");
        r.setThrown(new IllegalStateException("Unknown protocol \u0016\u0003\u0001"));
        LogRecord f = KnownNoise.rewrite(r);
        assertEquals(Level.FINE, f.getLevel());
        assertNull(f.getThrown());
        assertEquals(r.getInstant(), f.getInstant());
        String line = new LineFormatter().format(f);
        assertTrue(line.contains(" FINE    grizzly a client sent something other than HTTP (a TLS hello?"), line);
    }

    @Test
    void otherGrizzlyWarningsPassUnchanged() {
        LogRecord r = record(Level.WARNING, "org.glassfish.grizzly.filterchain.DefaultFilterChain", "GRIZZLY0013");
        r.setThrown(new java.io.IOException("Connection reset by peer"));
        assertSame(r, KnownNoise.rewrite(r));
    }

    @Test
    void payarasExpiredBundledCertificatesAreFine() {
        LogRecord r = record(Level.WARNING, "javax.enterprise.system.security.ssl",
                "The SSL certificate with alias entrustevca has expired: [\n[\n  Version: V3 ...");
        LogRecord f = KnownNoise.rewrite(r);
        assertEquals(Level.FINE, f.getLevel());
        assertTrue(f.getMessage().contains("(entrustevca)"), f.getMessage());
        // as Payara logs it: a message pattern and its parameters
        LogRecord p = record(Level.WARNING, "javax.enterprise.system.security.ssl", "The SSL certificate with alias {0} has expired: {1}");
        p.setParameters(new Object[]{"trustcenterclass4caii", "[\n[\n  Version: V3"});
        assertTrue(KnownNoise.rewrite(p).getMessage().contains("(trustcenterclass4caii)"), KnownNoise.rewrite(p).getMessage());
        LogRecord web = record(Level.INFO, "jakarta.enterprise.web", "Created virtual server {0}");
        web.setParameters(new Object[]{"server"});
        assertEquals("Created virtual server server", KnownNoise.rewrite(web).getMessage());
    }

    @Test
    void payaraMicroStartupNotesAreFineButReadyStaysInfo() {
        assertEquals(Level.FINE, KnownNoise.rewrite(record(Level.INFO, "PayaraMicro", "Deployed 1 archive(s)")).getLevel());
        LogRecord ready = record(Level.INFO, "PayaraMicro", "Payara Micro 6.2025.10 (build 42) ready in 138,488 (ms)");
        assertSame(ready, KnownNoise.rewrite(ready));
        assertEquals(Level.FINE, KnownNoise.rewrite(record(Level.INFO, "jakarta.enterprise.web", "Created virtual server server")).getLevel());
        LogRecord warning = record(Level.WARNING, "PayaraMicro", "something is wrong");
        assertSame(warning, KnownNoise.rewrite(warning));
    }

    @Test
    void aHealthProbeDuringDeploymentIsFineButOtherHealthFailuresStay() {
        LogRecord early = record(Level.WARNING, "fish.payara.microprofile.healthcheck.HealthCheckService",
                "Exception executing HealthCheck : io.dfly.supernode.health.SupernodeReadiness$Proxy$_$$_WeldClientProxy");
        early.setThrown(new NullPointerException());
        LogRecord f = KnownNoise.rewrite(early);
        assertEquals(Level.FINE, f.getLevel());
        assertNull(f.getThrown());
        LogRecord other = record(Level.WARNING, "fish.payara.microprofile.healthcheck.HealthCheckService",
                "Exception executing HealthCheck : io.dfly.supernode.health.SupernodeReadiness");
        other.setThrown(new IllegalStateException("data dir not writable"));
        assertSame(other, KnownNoise.rewrite(other));
    }

    @Test
    void dflysOwnRecordsPassUnchanged() {
        LogRecord r = record(Level.WARNING, "io.dfly.supernode", "CP Subsystem is not enabled");
        assertSame(r, KnownNoise.rewrite(r));
        LogRecord info = record(Level.INFO, "io.dfly.supernode.task.TaskService", "task 1: new");
        assertSame(info, KnownNoise.rewrite(info));
    }
}
