package io.dfly.dfdaemon.rest;

import io.dfly.dfdaemon.config.DfdaemonSettings;
import jakarta.inject.Inject;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.annotation.WebFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;

/**
 * The registry mirror and the dfget API answer on {@code dfly.dfdaemon.listen-address} only (default
 * 127.0.0.1). {@code bin/dfdaemon} binds Payara's listener there; this filter is the second lock, for a
 * dfdaemon started as a plain {@code java -jar payara-micro.jar --deploy dfdaemon.war}: a request that came
 * in on another local address gets 403 JSON and reaches nothing. {@code /_ping} stays open everywhere, as
 * does Payara's own {@code /health}. With 0.0.0.0 or :: every interface is served (an explicit choice).
 */
@WebFilter(urlPatterns = "/*", asyncSupported = true)
public class ListenAddressFilter implements Filter {
    @Inject
    DfdaemonSettings settings;

    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain) throws IOException, ServletException {
        HttpServletRequest http = (HttpServletRequest) req;
        String path = http.getRequestURI().substring(http.getContextPath().length());
        if (settings.listensEverywhere() || isOpen(path) || sameAddress(req.getLocalAddr(), settings.listenAddress())) {
            chain.doFilter(req, res);
            return;
        }
        HttpServletResponse out = (HttpServletResponse) res;
        byte[] body = ("{\"error\":\"forbidden\",\"message\":\"this dfdaemon serves its registry mirror and dfget API on "
                + settings.listenAddress() + " only (" + DfdaemonSettings.LISTEN_ADDRESS + "); peers use its upload port "
                + settings.uploadPort() + "\"}").getBytes(StandardCharsets.UTF_8);
        out.setStatus(403);
        out.setContentType("application/json");
        out.setContentLength(body.length);
        out.getOutputStream().write(body);
    }

    /** Paths that answer on every interface: liveness only. */
    static boolean isOpen(String path) {
        return path.equals("/_ping") || path.equals("/health") || path.startsWith("/health/");
    }

    /** Whether the address a request came in on is the listen address (IPv4-mapped IPv6 counts as IPv4). */
    static boolean sameAddress(String localAddr, String listenAddress) {
        if (localAddr == null) {
            return false;
        }
        try {
            String a = localAddr.startsWith("[") && localAddr.endsWith("]") ? localAddr.substring(1, localAddr.length() - 1) : localAddr;
            int zone = a.indexOf('%');
            if (zone >= 0) {
                a = a.substring(0, zone);
            }
            if (!(a.matches("[0-9.]+") || a.contains(":") && a.matches("[0-9a-fA-F:.]+"))) {
                return false; // a literal only: never ask DNS
            }
            return InetAddress.getByName(a).equals(InetAddress.getByName(listenAddress));
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
