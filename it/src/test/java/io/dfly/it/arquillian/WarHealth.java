package io.dfly.it.arquillian;

import io.dfly.it.harness.DflyNode;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.importer.ZipImporter;
import org.jboss.shrinkwrap.api.spec.WebArchive;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** Shared bits of the two deployment tests: the WAR as built into dist, and a GET. */
final class WarHealth {
    private WarHealth() {
    }

    static WebArchive distWar(String name) {
        return ShrinkWrap.create(ZipImporter.class, name).importFrom(DflyNode.distDir().resolve(name).toFile())
                .as(WebArchive.class);
    }

    /**
     * {@code name} below the app's context root. Payara Micro names it after the archive
     * ({@code supernode.war} → {@code /supernode}); Arquillian's URL does not always carry it.
     */
    static String appPath(String archive, String name) {
        return "/" + archive.replace(".war", "") + "/" + name;
    }

    /** GET of a path at the server root (Payara's health endpoint lives there, beside the app). */
    static HttpResponse<String> get(URL deployment, String serverPath) throws Exception {
        URI uri = URI.create("http://" + deployment.getHost() + ":" + deployment.getPort() + serverPath);
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
    }
}
