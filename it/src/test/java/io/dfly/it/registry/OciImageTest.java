package io.dfly.it.registry;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The harness's own pieces: the OCI image builder (validated by umoci) and the token server's key id. */
class OciImageTest {
    @Test
    void buildsAValidOciLayout(@TempDir Path dir) throws Exception {
        OciImage img = OciImage.build(dir.resolve("img"), "v1", 1);
        assertEquals(2, img.layers().size());
        assertTrue(img.bigLayer().size() > 1024 * 1024, "random data does not compress");
        for (OciImage.Blob b : img.layers()) {
            assertEquals(b.size(), Files.size(dir.resolve("img/blobs/sha256/" + b.digest().substring(7))));
        }
        assumeTrue(Procs.onPath("umoci"), "umoci not installed");
        Procs.run(List.of("umoci", "stat", "--image", dir.resolve("img") + ":v1"), Map.of(), null, 60).ok("umoci stat");
        Procs.run(List.of("umoci", "unpack", "--rootless", "--image", dir.resolve("img") + ":v1", dir.resolve("bundle").toString()),
                Map.of(), null, 120).ok("umoci unpack");
        assertEquals(1024 * 1024, Files.size(dir.resolve("bundle/rootfs/app/big.bin")));
        assertTrue(Files.readString(dir.resolve("bundle/rootfs/etc/os-release")).contains("dfly-test"));
    }

    @Test
    void libtrustKeyIdFormat() throws Exception {
        String kid = TokenServer.libtrustKeyId(new byte[]{1, 2, 3});
        assertEquals(59, kid.length(), kid); // 12 groups of 4 base32 chars joined by ':'
        assertTrue(kid.matches("([A-Z2-7]{4}:){11}[A-Z2-7]{4}"), kid);
    }
}
