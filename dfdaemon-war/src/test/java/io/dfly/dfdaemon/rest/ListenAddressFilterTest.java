package io.dfly.dfdaemon.rest;

import io.dfly.core.config.Settings;
import io.dfly.dfdaemon.config.DfdaemonSettings;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ListenAddressFilterTest {
    @TempDir
    Path tmp;

    @Test
    void comparesAddressesNotText() {
        assertTrue(ListenAddressFilter.sameAddress("127.0.0.1", "127.0.0.1"));
        assertTrue(ListenAddressFilter.sameAddress("::ffff:127.0.0.1", "127.0.0.1"));
        assertTrue(ListenAddressFilter.sameAddress("0:0:0:0:0:0:0:1", "::1"));
        assertTrue(ListenAddressFilter.sameAddress("[::1]", "::1"));
        assertFalse(ListenAddressFilter.sameAddress("10.0.0.5", "127.0.0.1"));
        assertFalse(ListenAddressFilter.sameAddress("localhost", "127.0.0.1"), "literals only, no DNS");
        assertFalse(ListenAddressFilter.sameAddress(null, "127.0.0.1"));
    }

    @Test
    void onlyLivenessIsOpenEverywhere() {
        assertTrue(ListenAddressFilter.isOpen("/_ping"));
        assertTrue(ListenAddressFilter.isOpen("/health/ready"));
        assertFalse(ListenAddressFilter.isOpen("/v2/"));
        assertFalse(ListenAddressFilter.isOpen("/api/v1/downloads"));
        assertFalse(ListenAddressFilter.isOpen("/_ping/../api/v1/downloads"));
    }

    @Test
    void aRequestOnAnotherInterfaceGets403AndReachesNothing() throws Exception {
        ListenAddressFilter f = filter("127.0.0.1");
        Answer outsider = run(f, "10.0.0.5", "/v2/library/alpine/blobs/sha256:abc");
        assertEquals(403, outsider.status);
        assertFalse(outsider.passed);
        assertTrue(outsider.body.contains("\"error\":\"forbidden\"") && outsider.body.contains("dfly.dfdaemon.listen-address"),
                outsider.body);
        assertFalse(run(f, "10.0.0.5", "/api/v1/downloads").passed);
        assertTrue(run(f, "10.0.0.5", "/_ping").passed);
        assertTrue(run(f, "127.0.0.1", "/api/v1/downloads").passed);
        assertTrue(run(f, "::ffff:127.0.0.1", "/v2/").passed);
    }

    @Test
    void everyInterfaceWhenToldSo() throws Exception {
        assertTrue(run(filter("0.0.0.0"), "10.0.0.5", "/v2/").passed);
    }

    private ListenAddressFilter filter(String listen) throws Exception {
        Path secret = tmp.resolve("s");
        Files.writeString(secret, "listen-filter-test-secret-0123456");
        Map<String, String> p = Map.of(DfdaemonSettings.CLUSTER_SECRET_FILE, secret.toString(),
                DfdaemonSettings.DATA_DIR, tmp.resolve("d").toString(), DfdaemonSettings.LISTEN_ADDRESS, listen,
                DfdaemonSettings.ADVERTISE_IP, "127.0.0.1");
        ListenAddressFilter f = new ListenAddressFilter();
        f.settings = new DfdaemonSettings(new Settings(k -> Optional.ofNullable(p.get(k))));
        return f;
    }

    private static final class Answer {
        int status = 200;
        boolean passed;
        String body = "";
    }

    private static Answer run(ListenAddressFilter f, String localAddr, String path) throws Exception {
        Answer a = new Answer();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        AtomicInteger status = new AtomicInteger(200);
        HttpServletRequest req = (HttpServletRequest) Proxy.newProxyInstance(ListenAddressFilterTest.class.getClassLoader(),
                new Class<?>[]{HttpServletRequest.class}, (proxy, m, args) -> switch (m.getName()) {
                    case "getLocalAddr" -> localAddr;
                    case "getRequestURI" -> path;
                    case "getContextPath" -> "";
                    default -> null;
                });
        ServletOutputStream out = new ServletOutputStream() {
            @Override
            public boolean isReady() {
                return true;
            }

            @Override
            public void setWriteListener(WriteListener l) {
            }

            @Override
            public void write(int b) {
                bytes.write(b);
            }
        };
        HttpServletResponse res = (HttpServletResponse) Proxy.newProxyInstance(ListenAddressFilterTest.class.getClassLoader(),
                new Class<?>[]{HttpServletResponse.class}, (proxy, m, args) -> {
                    switch (m.getName()) {
                        case "setStatus" -> status.set((Integer) args[0]);
                        case "getOutputStream" -> {
                            return out;
                        }
                        default -> {
                        }
                    }
                    return null;
                });
        AtomicBoolean passed = new AtomicBoolean();
        FilterChain chain = (rq, rs) -> passed.set(true);
        f.doFilter(req, res, chain);
        a.status = status.get();
        a.passed = passed.get();
        a.body = bytes.toString(StandardCharsets.UTF_8);
        return a;
    }
}
