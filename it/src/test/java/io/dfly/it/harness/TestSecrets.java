package io.dfly.it.harness;

import io.dfly.core.security.ClusterSecret;
import io.dfly.core.security.OperatorToken;
import io.dfly.core.security.SecretFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The cluster secret and operator token the process tests use: made once per test JVM in a temp dir
 * (files mode 0600, as the README tells users to keep them), never under {@code ~/.dfly}. Every
 * {@link DflyNode} and in-JVM engine of a test run shares them, as the hosts of one cluster do.
 */
public final class TestSecrets {
    private static Path dir;
    private static Path secretFile;
    private static Path tokenFile;

    private TestSecrets() {
    }

    private static synchronized void init() {
        if (dir != null) {
            return;
        }
        try {
            dir = Files.createTempDirectory("dfly-test-secrets-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        secretFile = dir.resolve("cluster.secret");
        tokenFile = dir.resolve("api.token");
        SecretFiles.createIfMissing(secretFile);
        SecretFiles.createIfMissing(tokenFile);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> DflyNode.deleteTree(dir)));
    }

    /** The cluster secret file ({@code dfly.security.cluster-secret-file}). */
    public static Path secretFile() {
        init();
        return secretFile;
    }

    /** The operator token file ({@code dfly.supernode.api-token-file}). */
    public static Path tokenFile() {
        init();
        return tokenFile;
    }

    public static ClusterSecret secret() {
        return ClusterSecret.load(secretFile());
    }

    /** The operator token's text, for {@code Authorization: Bearer …}. */
    public static String operatorToken() {
        return SecretFiles.read(tokenFile(), "operator token", OperatorToken.PROPERTY, "");
    }

    /** {@code Authorization} value carrying the operator token. */
    public static String operatorAuthorization() {
        return "Bearer " + operatorToken();
    }

    /** A second, unrelated secret file: a host that is not enrolled. */
    public static Path foreignSecretFile(Path dir) {
        Path f = dir.resolve("foreign.secret");
        SecretFiles.createIfMissing(f);
        return f;
    }
}
