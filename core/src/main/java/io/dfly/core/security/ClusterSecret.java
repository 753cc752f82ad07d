package io.dfly.core.security;

import io.dfly.core.config.Settings;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import java.util.function.Consumer;

/**
 * The one secret every enrolled host of a dfly cluster shares (supernodes, dfdaemons, dfget). Nothing
 * is derived from it on the wire: each use gets its own key, {@code HMAC-SHA256(secret, "dfly/" + purpose)},
 * so a key seen in one place (say, the Hazelcast cluster name) tells nothing about another.
 */
public final class ClusterSecret {
    public static final String PROPERTY = "dfly.security.cluster-secret-file";
    public static final String DEFAULT_FILE = "~/.dfly/cluster.secret";
    static final String FIX = "copy the supernode's cluster secret (created at " + DEFAULT_FILE
            + " on its first start) to this host with mode 0600, or point " + PROPERTY + " at it";

    private final byte[] secret;
    private final Path file;

    private ClusterSecret(byte[] secret, Path file) {
        this.secret = secret.clone();
        this.file = file;
    }

    /** A secret from memory (tests, benchmarks). */
    public static ClusterSecret of(String secret) {
        if (secret == null || secret.trim().length() < SecretFiles.MIN_LENGTH) {
            throw new IllegalArgumentException("a cluster secret has at least " + SecretFiles.MIN_LENGTH + " characters");
        }
        return new ClusterSecret(secret.trim().getBytes(StandardCharsets.UTF_8), null);
    }

    /** The default file, {@code ~/.dfly/cluster.secret}. */
    public static Path defaultFile() {
        return Path.of(Settings.expandHome(DEFAULT_FILE));
    }

    /**
     * Reads the secret a dfdaemon or dfget needs; it must exist.
     *
     * @throws SecretFiles.SecretFileException naming the file and how to get one
     */
    public static ClusterSecret load(Path file) {
        return new ClusterSecret(SecretFiles.read(file, "cluster secret", PROPERTY, FIX).getBytes(StandardCharsets.UTF_8), file);
    }

    /**
     * Reads the secret a supernode needs. When {@code file} is the default one and does not exist, creates
     * it (mode 0600) and says so through {@code log}, so a first supernode starts at once; a file named in
     * the settings must exist.
     */
    public static ClusterSecret loadOrCreate(Path file, boolean isDefault, Consumer<String> log) {
        if (isDefault && SecretFiles.createIfMissing(file)) {
            log.accept("created the cluster secret " + file + " (mode 0600): every other supernode, dfdaemon and dfget"
                    + " host needs a copy of it (" + PROPERTY + ")");
        }
        ClusterSecret s = load(file);
        if (SecretFiles.readableByOthers(file)) {
            log.accept("the cluster secret " + file + " is readable by other users: chmod 600 " + file);
        }
        return s;
    }

    public Path file() {
        return file;
    }

    /** The key for one purpose: {@code HMAC-SHA256(secret, "dfly/" + purpose)}, 32 bytes. */
    public byte[] key(String purpose) {
        return hmac(secret, ("dfly/" + purpose).getBytes(StandardCharsets.UTF_8));
    }

    /** A name derived from the secret, {@code hexChars} hex characters (for example the Hazelcast cluster name). */
    public String derivedName(String purpose, int hexChars) {
        return HexFormat.of().formatHex(key(purpose)).substring(0, Math.min(64, hexChars));
    }

    public HostTokens hostTokens() {
        return new HostTokens(key("host-token"));
    }

    public PieceGrants pieceGrants() {
        return new PieceGrants(key("piece-grant"));
    }

    /** Encrypts what the cluster keeps in its grid (origin credentials kept for failover). */
    public SecretBox gridBox() {
        return new SecretBox(key("grid-encryption"));
    }

    static byte[] hmac(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("JDK without HmacSHA256", e);
        }
    }

    @Override
    public String toString() {
        return "ClusterSecret[" + (file == null ? "in memory" : file) + "]"; // never the secret itself
    }
}
