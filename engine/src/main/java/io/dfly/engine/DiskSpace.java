package io.dfly.engine;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.util.Locale;

/** Whether a failed write means the disk (or the user's quota) is full: the OS says so in the error's text. */
final class DiskSpace {
    private DiskSpace() {
    }

    static boolean isFull(IOException e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String m = t instanceof FileSystemException f && f.getReason() != null ? f.getReason() + " " + t.getMessage()
                    : t.getMessage();
            if (m != null) {
                String low = m.toLowerCase(Locale.ROOT);
                if (low.contains("no space left") || low.contains("disk quota exceeded") || low.contains("not enough space")) {
                    return true;
                }
            }
        }
        return false;
    }
}
