package io.dfly.core.security;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Set;

/**
 * Reading and creating the small secret files dfly uses (the cluster secret, the operator token): one
 * line of text, created with mode 0600 in a 0700 directory.
 */
public final class SecretFiles {
    /** Shortest secret accepted (characters after trimming). */
    public static final int MIN_LENGTH = 16;
    private static final SecureRandom RANDOM = new SecureRandom();

    private SecretFiles() {
    }

    /** What went wrong with a secret file, in one line a user can act on. */
    public static final class SecretFileException extends RuntimeException {
        public SecretFileException(String message) {
            super(message);
        }
    }

    /**
     * Reads the secret in {@code file}.
     *
     * @param what     what the file is, for messages ("cluster secret")
     * @param property the setting that names the file
     * @param fix      what to do when it is missing or unreadable
     */
    public static String read(Path file, String what, String property, String fix) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8).trim();
        } catch (NoSuchFileException e) {
            throw new SecretFileException("no " + what + " file at " + file + " (" + property + ") — " + fix);
        } catch (AccessDeniedException e) {
            throw new SecretFileException("cannot read the " + what + " file " + file + " (" + property
                    + "): permission denied — run as its owner or " + fix);
        } catch (IOException e) {
            throw new SecretFileException("cannot read the " + what + " file " + file + " (" + property + "): " + e);
        }
        if (text.length() < MIN_LENGTH || text.contains("\n")) {
            throw new SecretFileException("the " + what + " file " + file + " (" + property + ") must hold one line of at least "
                    + MIN_LENGTH + " characters — " + fix);
        }
        return text;
    }

    /**
     * Creates {@code file} with a new random secret (32 random bytes as hex), mode 0600, unless it exists.
     * Returns true when it was created by this call.
     */
    public static boolean createIfMissing(Path file) {
        if (Files.exists(file)) {
            return false;
        }
        try {
            Path dir = file.toAbsolutePath().getParent();
            if (dir != null && !Files.isDirectory(dir)) {
                Files.createDirectories(dir);
                setMode(dir, "rwx------");
            }
            byte[] raw = new byte[32];
            RANDOM.nextBytes(raw);
            Path tmp = Files.createTempFile(dir, ".secret", ".tmp");
            try {
                setMode(tmp, "rw-------");
                Files.writeString(tmp, HexFormat.of().formatHex(raw) + "\n", StandardCharsets.UTF_8);
                Files.createLink(file, tmp); // fails if another process created it meanwhile
                return true;
            } catch (FileAlreadyExistsException e) {
                return false;
            } catch (UnsupportedOperationException e) {
                Files.move(tmp, file);
                return true;
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new SecretFileException("cannot create " + file + ": " + e);
        }
    }

    /** Whether others than the owner may read the file (worth a warning). */
    public static boolean readableByOthers(Path file) {
        try {
            Set<PosixFilePermission> p = Files.getPosixFilePermissions(file);
            return p.contains(PosixFilePermission.GROUP_READ) || p.contains(PosixFilePermission.OTHERS_READ);
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    private static void setMode(Path p, String mode) throws IOException {
        try {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode));
        } catch (UnsupportedOperationException ignored) {
            // not a POSIX file system
        }
    }
}
