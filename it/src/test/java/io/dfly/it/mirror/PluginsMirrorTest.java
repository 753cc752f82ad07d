package io.dfly.it.mirror;

import io.dfly.it.harness.DflyNode;
import io.dfly.it.registry.Containerd;
import io.dfly.it.registry.OciImage;
import io.dfly.it.registry.Procs;
import io.dfly.it.registry.RegistryServer;
import io.dfly.it.registry.Skopeo;
import io.dfly.it.registry.TokenServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Registry plugins and configured credentials against the real token-auth registry made to look like
 * the registries we cannot reach: Docker Hub (reached through {@code dfly.plugin.dockerhub.mirror-url},
 * official images under {@code library/}) and Harbor (token service at {@code /service/token}, a proxy-cache
 * project). Clients bring no credentials: dfdaemon takes them from the static and docker-config auth
 * providers and does the token exchange itself.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PluginsMirrorTest {
    Path work;
    RegistryServer registry;
    OciImage image;
    DflyNode dfdaemon;

    @BeforeAll
    void setUp() throws Exception {
        assumeTrue(RegistryServer.available() && Skopeo.available(), "docker-registry and skopeo are not installed");
        work = Files.createTempDirectory("dfly-mirror-plugins-");
        registry = new RegistryServer(RegistryServer.Auth.TOKEN, work.resolve("registry")).tokenPath("/service/token").start();
        image = OciImage.build(work.resolve("oci"), "v1", 4);
        registry.push(image, "library/app:v1");
        registry.push(image, "cache/library/app:v1");
        Path dockerConfig = work.resolve("docker-config.json");
        Files.writeString(dockerConfig, "{\"auths\":{\"" + registry.hostPort() + "\":{\"auth\":\"" + Base64.getEncoder()
                .encodeToString((RegistryServer.USER + ":" + RegistryServer.PASSWORD).getBytes()) + "\"}}}");
        dfdaemon = DflyNode.dfdaemon(Map.of(
                "dfly.dfdaemon.registry", "https://index.docker.io",
                "dfly.dfdaemon.registry-routes", "cache=" + registry.url(),
                "dfly.dfdaemon.auth-providers", "static,docker-config",
                "dfly.plugin.static.credentials", "docker.io=" + RegistryServer.USER + ":" + RegistryServer.PASSWORD,
                "dfly.plugin.docker-config.path", dockerConfig.toString(),
                "dfly.plugin.dockerhub.mirror-url", registry.url(),
                "dfly.plugin.harbor.hosts", registry.hostPort(),
                "dfly.plugin.harbor.proxy-projects", "cache",
                // Harbor serves /service/token on its own host; the stand-in's token server has its own port
                "dfly.plugin.harbor.token-realm", registry.tokenServer().realm())).start();
    }

    @AfterAll
    void tearDown() {
        Procs.closeAll(dfdaemon, registry);
        Procs.deleteTree(work);
    }

    @Test
    void dockerHubOfficialImageWithStaticCredentials() throws Exception {
        Path out = work.resolve("out-hub");
        Skopeo.copy(null, "docker://" + dfdaemon.hostPort() + "/app:v1", out).ok("skopeo copy app:v1 (no creds)");
        assertEquals(image.manifestDigest(), Skopeo.manifestDigest(out));
        assertTrue(registry.requestsFor("library/app") > 0, "dockerhub plugin asked for library/app");
        List<TokenServer.TokenRequest> tokens = registry.tokenServer().requests();
        assertTrue(tokens.stream().anyMatch(t -> RegistryServer.USER.equals(t.account()) && t.granted()),
                "dfdaemon exchanged the configured credentials for a token: " + tokens);
    }

    @Test
    void harborProxyProjectWithDockerConfigCredentials() throws Exception {
        Path out = work.resolve("out-harbor");
        Skopeo.copy(null, "docker://" + dfdaemon.hostPort() + "/cache/app:v1", out).ok("skopeo copy cache/app:v1 (no creds)");
        assertEquals(image.manifestDigest(), Skopeo.manifestDigest(out));
        assertTrue(registry.requestsFor("cache/library/app") > 0, "harbor plugin inserted library/ in the proxy project");
    }

    @Test
    void containerdNsDockerIoRoutesToTheDockerHubPlugin() throws Exception {
        assumeTrue(Containerd.available(), "containerd/ctr not installed");
        int before = registry.accesses().size();
        try (Containerd containerd = new Containerd(work.resolve("containerd")).start()) {
            Path hosts = Containerd.hostsDir(work.resolve("certs.d"), "docker.io", dfdaemon.baseUrl());
            Files.writeString(hosts.resolve("docker.io/hosts.toml"), """
                    server = "https://registry-1.docker.io"
                    [host."%s"]
                      capabilities = ["pull", "resolve"]
                    """.formatted(dfdaemon.baseUrl()));
            containerd.ctr("images", "pull", "--hosts-dir", hosts.toString(), "docker.io/library/app:v1").ok("ctr pull docker.io/library/app:v1");
            assertTrue(containerd.ctr("images", "ls").output().contains(image.manifestDigest()));
        }
        assertFalse(registry.since(before, "library/app").isEmpty(), "the pull went through dfdaemon to the Hub stand-in");
    }
}
