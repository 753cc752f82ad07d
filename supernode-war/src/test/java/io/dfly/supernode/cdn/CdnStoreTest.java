package io.dfly.supernode.cdn;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CdnStoreTest {
    @TempDir
    Path dataDir;

    @Test
    void pathTricksNeverReachTheFileSystem() {
        CdnStore store = new CdnStore(dataDir, () -> 0);
        for (String bad : List.of("..", "../../etc/passwd", "/etc/passwd", "a/b", "A".repeat(64), "a".repeat(63),
                "a".repeat(65), "..%2F" + "a".repeat(59), "a".repeat(63) + "/", "", "a".repeat(62) + "..")) {
            assertThrows(IllegalArgumentException.class, () -> store.taskDir(bad), bad);
            assertThrows(IllegalArgumentException.class, () -> store.piece(bad, 0), bad);
        }
        assertTrue(store.taskDir("a".repeat(64)).startsWith(dataDir.resolve("tasks")));
    }

    @Test
    void piecesAreServedOnlyOnceWrittenAndDeletionFreesTheFiles() throws Exception {
        CdnStore store = new CdnStore(dataDir, () -> 42);
        String id = "c".repeat(64);
        byte[] piece1 = "second piece".getBytes();
        try (FileChannel ch = store.openForWrite(id, 16)) {
            store.writePiece(ch, id, 1, piece1, piece1.length, "sha256:x");
        }
        assertTrue(store.piece(id, 0).isEmpty());
        assertTrue(store.piece(id, -1).isEmpty());
        CdnStore.PieceRef ref = store.piece(id, 1).orElseThrow();
        assertEquals(16, ref.offset());
        assertEquals(piece1.length, ref.length());
        byte[] all = Files.readAllBytes(ref.file());
        byte[] read = new byte[ref.length()];
        System.arraycopy(all, (int) ref.offset(), read, 0, read.length);
        assertArrayEquals(piece1, read);
        assertEquals(1, store.cachedTasks(t -> false).size());
        assertTrue(store.delete(id) > 0);
        assertFalse(Files.exists(store.taskDir(id)));
        assertTrue(store.cachedTasks(t -> false).isEmpty());
    }

    @Test
    void aTaskBeingWrittenIsActive() throws Exception {
        CdnStore store = new CdnStore(dataDir, () -> 0);
        String id = "d".repeat(64);
        try (FileChannel ignored = store.openForWrite(id, 16)) {
            store.writing(id, true);
            assertTrue(store.cachedTasks(t -> false).get(0).active());
            store.writing(id, false);
            assertFalse(store.cachedTasks(t -> false).get(0).active());
            assertTrue(store.cachedTasks(t -> true).get(0).active());
        }
    }
}
