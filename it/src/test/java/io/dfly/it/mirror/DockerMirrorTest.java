package io.dfly.it.mirror;

import io.dfly.it.harness.DflyNode;
import io.dfly.it.registry.DockerDaemon;
import io.dfly.it.registry.OciImage;
import io.dfly.it.registry.Procs;
import io.dfly.it.registry.RegistryServer;
import io.dfly.it.registry.Skopeo;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The Docker daemon itself pulls through dfdaemon as the registry host ({@code docker login} +
 * {@code docker pull <dfdaemon>/repo:tag}) and as its {@code registry-mirrors} for a Docker Hub name
 * (routed to dfdaemon's default upstream), from a Basic-auth registry. dockerd lives in its own network
 * namespace and reaches dfdaemon over a veth pair.
 */
class DockerMirrorTest {
    @Test
    void dockerLoginAndPullThroughDfdaemon() throws Exception {
        String reason = DockerDaemon.unavailableReason();
        assumeTrue(reason == null, () -> "skipped: " + reason);
        assumeTrue(RegistryServer.available() && Skopeo.available(), "docker-registry and skopeo are not installed");
        Path work = Files.createTempDirectory("dfly-mirror-docker-");
        try (RegistryServer registry = new RegistryServer(RegistryServer.Auth.BASIC, work.resolve("registry")).start()) {
            OciImage image = OciImage.build(work.resolve("oci"), "v1", 50);
            registry.push(image, "test/app:v1");
            DflyNode dfdaemon = null;
            try (DockerDaemon docker = new DockerDaemon(work.resolve("docker"))) {
                // dockerd is another host (its own network namespace): serving it is an explicit choice, the
                // mirror listens on the address dockerd reaches (dfly.dfdaemon.listen-address), which exists
                // once the namespace is up
                dfdaemon = DflyNode.dfdaemon(Map.of("dfly.dfdaemon.registry", registry.url(),
                        "dfly.dfdaemon.listen-address", docker.hostAddress()));
                String mirror = docker.hostAddress() + ":" + dfdaemon.port();
                try {
                    docker.start(List.of(mirror), List.of("http://" + mirror));
                } catch (IllegalStateException e) {
                    System.out.println("DockerMirrorTest skipped: dockerd cannot run here: " + e.getMessage());
                    assumeTrue(false, "dockerd cannot run here: " + e.getMessage());
                }
                dfdaemon.start();
                int before = registry.accesses().size();
                Procs.Result denied = docker.docker("pull", mirror + "/test/app:v1");
                assertNotEquals(0, denied.exitCode(), "no login, no image: " + denied.output());

                docker.dockerWithInput(RegistryServer.PASSWORD, "login", "-u", RegistryServer.USER, "--password-stdin", mirror)
                        .ok("docker login");
                docker.docker("pull", mirror + "/test/app:v1").ok("docker pull");
                String digests = docker.docker("image", "inspect", "--format", "{{json .RepoDigests}}", mirror + "/test/app:v1")
                        .ok("docker image inspect").output();
                assertTrue(digests.contains(image.manifestDigest()), "pulled manifest digest equals the origin's: " + digests);
                List<RegistryServer.Access> seen = registry.since(before, "test/app");
                assertFalse(seen.isEmpty());
                assertTrue(seen.stream().allMatch(RegistryServer.Access::fromDfly), "only dfly talked to the origin: " + seen);
                assertEquals(1, registry.blobGets("test/app", image.bigLayer().digest()));
                docker.docker("rmi", "-f", mirror + "/test/app:v1").ok("docker rmi");

                // registry-mirrors: a Docker Hub name goes to the mirror with the creds stored for Docker Hub
                String auth = java.util.Base64.getEncoder().encodeToString(
                        (RegistryServer.USER + ":" + RegistryServer.PASSWORD).getBytes());
                Files.writeString(docker.cliConfig().resolve("config.json"), "{\"auths\":{\"https://index.docker.io/v1/\":{\"auth\":\""
                        + auth + "\"}}}");
                int beforeHub = registry.accesses().size();
                docker.docker("pull", "test/app:v1").ok("docker pull test/app:v1 via registry-mirrors");
                String hubDigests = docker.docker("image", "inspect", "--format", "{{json .RepoDigests}}", "test/app:v1")
                        .ok("docker image inspect").output();
                assertTrue(hubDigests.contains(image.manifestDigest()), hubDigests);
                assertFalse(registry.since(beforeHub, "test/app").isEmpty(), "the Hub pull went through dfdaemon");
                assertEquals(1, registry.blobGets("test/app", image.bigLayer().digest()), "second pull served from dfly's cache");
            } finally {
                if (dfdaemon != null) {
                    dfdaemon.close();
                }
            }
        } finally {
            Procs.deleteTree(work);
        }
    }
}
