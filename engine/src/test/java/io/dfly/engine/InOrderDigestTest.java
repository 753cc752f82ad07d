package io.dfly.engine;

import io.dfly.core.piece.Digests;
import io.dfly.core.task.TaskIds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class InOrderDigestTest {
    @TempDir
    Path dir;

    private static final String ID = TaskIds.derive("http://origin/in-order", null, null, List.of());

    private static byte[] file(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 7 + 3);
        }
        return b;
    }

    private static void put(StoredTask t, byte[] all, int pieceSize, int n) throws IOException {
        int from = n * pieceSize;
        byte[] piece = Arrays.copyOfRange(all, from, Math.min(all.length, from + pieceSize));
        t.writePiece(n, piece, piece.length, Digests.sha256(piece));
    }

    @Test
    void piecesLandingOutOfOrderGiveTheWholeFilesDigest() throws Exception {
        byte[] all = file(10 * 1000 + 123);
        try (PieceStore store = new PieceStore(dir)) {
            StoredTask t = store.create(ID, all.length, 1000);
            InOrderDigest d = new InOrderDigest();
            for (int n : new int[]{3, 1, 0, 10, 2, 5, 4, 9, 8, 6, 7}) {
                put(t, all, 1000, n);
                d.advance(t);
            }
            assertEquals(Digests.sha256(all), d.finish(t, all.length));
        }
    }

    @Test
    void aMissingPieceIsAnErrorNotAWrongDigest() throws Exception {
        byte[] all = file(3000);
        try (PieceStore store = new PieceStore(dir)) {
            StoredTask t = store.create(ID, all.length, 1000);
            put(t, all, 1000, 0);
            put(t, all, 1000, 2);
            InOrderDigest d = new InOrderDigest();
            assertThrows(IOException.class, () -> d.finish(t, all.length));
        }
    }

    @Test
    void anEmptyFileHasTheEmptyDigest() throws Exception {
        try (PieceStore store = new PieceStore(dir)) {
            StoredTask t = store.create(ID, 0, 1000);
            t.writePiece(0, new byte[0], 0, Digests.sha256(new byte[0]));
            assertEquals(Digests.sha256(new byte[0]), new InOrderDigest().finish(t, 0));
        }
    }

    @Test
    void bytesWrittenButNotCommittedAreNeverRead() throws Exception {
        byte[] all = file(2000);
        try (PieceStore store = new PieceStore(dir)) {
            StoredTask t = store.create(ID, all.length, 1000);
            StoredTask.PieceWriter w = t.claim(1);
            t.writeUnverified(w, 0, ByteBuffer.wrap(all, 1000, 600));
            t.writeUnverified(w, 600, ByteBuffer.wrap(all, 1600, 400));
            assertNull(t.readPiece(1));
            assertEquals(-1, t.pieceLength(1));
            t.commitPiece(w, 1000, Digests.sha256(Arrays.copyOfRange(all, 1000, 2000)));
            assertEquals(1000, t.pieceLength(1));
            ByteBuffer part = ByteBuffer.allocate(300);
            assertEquals(300, t.read(1, 650, part));
            assertEquals(ByteBuffer.wrap(all, 1650, 300), part.flip());
            assertThrows(IOException.class, () -> t.writeUnverified(w, 0, ByteBuffer.wrap(all, 0, 10)));
            assertThrows(IOException.class, () -> t.writeUnverified(t.claim(1), 0, ByteBuffer.wrap(all, 0, 10)));
        }
    }

    @Test
    void theNextPieceCanBeHashedWhileItArrivesAndALateCopyIsDropped() throws Exception {
        byte[] all = file(3 * 1000 + 10);
        try (PieceStore store = new PieceStore(dir)) {
            StoredTask t = store.create(ID, all.length, 1000);
            InOrderDigest d = new InOrderDigest();
            java.security.MessageDigest onTheFly = d.startPiece(0);
            org.junit.jupiter.api.Assertions.assertNotNull(onTheFly);
            assertNull(d.startPiece(1), "only the next piece is hashed on the fly");
            onTheFly.update(all, 0, 1000);
            put(t, all, 1000, 0);
            d.offerPiece(0, 1000, onTheFly);
            // piece 1: its on-the-fly copy arrives after the piece was hashed from disk, so it is dropped
            java.security.MessageDigest late = d.startPiece(1);
            late.update(new byte[]{42}); // garbage: must never be adopted
            put(t, all, 1000, 1);
            d.advance(t);
            d.offerPiece(1, 1000, late);
            put(t, all, 1000, 2);
            put(t, all, 1000, 3);
            assertEquals(Digests.sha256(all), d.finish(t, all.length));
        }
    }
}
