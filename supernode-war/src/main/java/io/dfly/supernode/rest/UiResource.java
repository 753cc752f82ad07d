package io.dfly.supernode.rest;

import jakarta.enterprise.context.RequestScoped;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.CacheControl;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import jakarta.servlet.ServletContext;

import java.io.InputStream;
import java.util.Map;

/**
 * The dashboard's page ({@code /ui/}: {@code index.html}, its script and style sheet, from the WAR's
 * {@code ui/} folder), for the operator only: the same {@link OperatorFilter} as every operator API, so a
 * browser gets the Basic prompt (any user name, the token as password). Only the files listed here are
 * served; each answer forbids inline and foreign scripts ({@link #CSP}) and framing.
 */
@Path("/ui")
@RequestScoped
@OperatorOnly
public class UiResource {
    /** Scripts, styles and fetches from this origin only; no inline script, no plugin, no framing, no form. */
    public static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
            + "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    /** The files of the page and their media types. */
    static final Map<String, String> FILES = Map.of(
            "index.html", "text/html; charset=utf-8",
            "dashboard.js", "text/javascript; charset=utf-8",
            "dashboard.css", "text/css; charset=utf-8");

    @Context
    ServletContext servlet;

    /** {@code /ui} becomes {@code /ui/} (the page's links are relative to it); {@code /ui/} is the page. */
    @GET
    public Response page(@Context UriInfo uri) {
        if (!uri.getPath().endsWith("/")) {
            return Response.seeOther(uri.getBaseUriBuilder().path("ui/").build()).build();
        }
        return file("index.html");
    }

    @GET
    @Path("{file}")
    public Response file(@PathParam("file") String file) {
        String type = FILES.get(file);
        InputStream in = type == null ? null : servlet.getResourceAsStream("/ui/" + file);
        if (in == null) {
            return ErrorMappers.error(404, "not_found", "no such file in /ui/");
        }
        CacheControl noStore = new CacheControl();
        noStore.setNoStore(true);
        return Response.ok(in, type)
                .header("Content-Security-Policy", CSP)
                .header("X-Content-Type-Options", "nosniff")
                .header("Referrer-Policy", "no-referrer")
                .cacheControl(noStore)
                .build();
    }
}
