package io.dfly.core.piece;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** {@code sha256:<hex>} digests, the only form dfly uses. */
public final class Digests {
    public static final String PREFIX = "sha256:";
    private static final Pattern VALID = Pattern.compile("sha256:[a-f0-9]{64}");

    private Digests() {
    }

    public static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("JDK without SHA-256", e);
        }
    }

    public static String sha256(byte[] data, int offset, int length) {
        MessageDigest md = newSha256();
        md.update(data, offset, length);
        return format(md);
    }

    public static String sha256(byte[] data) {
        return sha256(data, 0, data.length);
    }

    /** {@code sha256:<hex>} of a finished digest. */
    public static String format(MessageDigest md) {
        return PREFIX + HexFormat.of().formatHex(md.digest());
    }

    public static boolean isValid(String digest) {
        return digest != null && VALID.matcher(digest).matches();
    }

    /** Throws {@link IllegalArgumentException} naming the bad value unless it is {@code sha256:<64 hex>}. */
    public static String requireValid(String digest) {
        if (!isValid(digest)) {
            throw new IllegalArgumentException("not a sha256 digest (want sha256:<64 lowercase hex>): " + digest);
        }
        return digest;
    }
}
