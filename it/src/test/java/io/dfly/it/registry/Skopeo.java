package io.dfly.it.registry;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/** skopeo as a real registry client. */
public final class Skopeo {
    private Skopeo() {
    }

    public static boolean available() {
        return Procs.onPath("skopeo");
    }

    /** {@code skopeo [--registries-conf F] copy --src-tls-verify=false [extra] SRC dir:DEST}. */
    public static Procs.Result copy(Path registriesConf, String src, Path dest, String... extra) {
        List<String> cmd = new ArrayList<>(List.of("skopeo"));
        if (registriesConf != null) {
            cmd.addAll(List.of("--registries-conf", registriesConf.toString()));
        }
        cmd.addAll(List.of("copy", "--quiet", "--src-tls-verify=false"));
        cmd.addAll(List.of(extra));
        cmd.add(src);
        cmd.add("dir:" + dest);
        return Procs.run(cmd, Map.of(), null, 300);
    }

    /** The manifest digest of a {@code dir:} copy (skopeo keeps the manifest bytes unchanged). */
    public static String manifestDigest(Path dirCopy) throws Exception {
        byte[] m = Files.readAllBytes(dirCopy.resolve("manifest.json"));
        return "sha256:" + java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(m));
    }

    /** A registries.conf that lists {@code mirrorHostPort} as an insecure mirror of {@code registryHostPort}. */
    public static Path mirrorConf(Path file, String registryHostPort, String mirrorHostPort) throws Exception {
        Files.writeString(file, """
                unqualified-search-registries = []
                [[registry]]
                prefix = "%s"
                location = "%s"
                insecure = true
                [[registry.mirror]]
                location = "%s"
                insecure = true
                """.formatted(registryHostPort, registryHostPort, mirrorHostPort));
        return file;
    }

    /** A containers auth file with the same credentials for each host. */
    public static Path authFile(Path file, String user, String password, String... hosts) throws Exception {
        String auth = Base64.getEncoder().encodeToString((user + ":" + password).getBytes());
        StringBuilder b = new StringBuilder("{\"auths\":{");
        for (int i = 0; i < hosts.length; i++) {
            b.append(i == 0 ? "" : ",").append('"').append(hosts[i]).append("\":{\"auth\":\"").append(auth).append("\"}");
        }
        Files.writeString(file, b.append("}}").toString());
        return file;
    }
}
