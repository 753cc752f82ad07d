package io.dfly.mirror;

import io.dfly.core.piece.Digests;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VerifyingSinkTest {
    private static final int PIECE = 1000;
    private final byte[] blob = new byte[PIECE * 5 + 123];
    private final String digest;

    VerifyingSinkTest() {
        new Random(7).nextBytes(blob);
        digest = Digests.sha256(blob);
    }

    private static void feed(VerifyingSink sink, byte[] b, int from, int to, int chunk) throws IOException {
        for (int i = from; i < to; i += chunk) {
            sink.write(b, i, Math.min(chunk, to - i));
        }
    }

    private List<String> pieceDigests(byte[] b, int pieces) {
        List<String> d = new ArrayList<>();
        for (int i = 0; i < pieces; i++) {
            d.add(Digests.sha256(b, i * PIECE, Math.min(PIECE, b.length - i * PIECE)));
        }
        return d;
    }

    @Test
    void hashesAndReleasesAGoodBlob() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        VerifyingSink sink = new VerifyingSink(out, digest, blob.length);
        feed(sink, blob, 0, blob.length, 333);
        assertTrue(out.size() < blob.length, "the last chunk is held back until verified");
        sink.finish();
        assertArrayEquals(blob, out.toByteArray());
    }

    @Test
    void aTrustedStreamIsNotHashedButReleasedOnlyForTheExpectedDigest() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        VerifyingSink sink = new VerifyingSink(out, digest, blob.length);
        sink.trustUpstream();
        assertFalse(sink.hashing());
        feed(sink, blob, 0, blob.length, 700);
        sink.finishVerified(digest);
        assertArrayEquals(blob, out.toByteArray());

        ByteArrayOutputStream out2 = new ByteArrayOutputStream();
        VerifyingSink other = new VerifyingSink(out2, digest, blob.length);
        other.trustUpstream();
        feed(other, blob, 0, blob.length, 700);
        assertThrows(IOException.class, () -> other.finishVerified(Digests.sha256(new byte[1])));
        assertThrows(IOException.class, other::finish, "nothing hashed: finish cannot vouch");
        assertTrue(out2.size() < blob.length, "never complete");
    }

    @Test
    void aSpliceAfterAFailureChecksTheBytesAlreadySentAndSendsOnlyTheRest() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        VerifyingSink sink = new VerifyingSink(out, digest, blob.length);
        sink.trustUpstream();
        int sent = 2 * PIECE + 456; // the stream failed inside piece 2
        feed(sink, blob, 0, sent, 400);
        sink.restartChecking(PIECE, pieceDigests(blob, 3));
        feed(sink, blob, 0, blob.length, 512); // the origin, from byte 0
        sink.finish();
        assertArrayEquals(blob, out.toByteArray(), "every byte once, in order");
    }

    @Test
    void aSpliceOntoBytesThatDifferFromTheOriginIsAborted() throws IOException {
        // the pieces handed out were verified against digests of other bytes (a bad copy upstream): the origin's
        // good bytes must not complete them
        byte[] bad = blob.clone();
        bad[PIECE + 10] ^= 1;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        VerifyingSink sink = new VerifyingSink(out, digest, blob.length);
        sink.trustUpstream();
        int sent = PIECE + 500;
        feed(sink, bad, 0, sent, 300);
        sink.restartChecking(PIECE, pieceDigests(bad, 2));
        IOException e = assertThrows(IOException.class, () -> feed(sink, blob, 0, blob.length, 300));
        assertTrue(e.getMessage().contains("piece 1"), e.getMessage());
        assertTrue(out.size() < blob.length);
        assertFalse(Arrays.equals(blob, out.toByteArray()));
    }

    @Test
    void aSpliceFromAnOriginThatEndsEarlyOrLiesIsAborted() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        VerifyingSink sink = new VerifyingSink(out, digest, blob.length);
        sink.trustUpstream();
        feed(sink, blob, 0, PIECE / 2, 100);
        sink.restartChecking(PIECE, pieceDigests(blob, 1));
        feed(sink, blob, 0, PIECE / 4, 100); // ends before the piece already sent was checked again
        assertThrows(IOException.class, sink::finish);

        byte[] other = blob.clone();
        other[blob.length - 1] ^= 1; // a later piece differs: the whole-file digest catches it
        ByteArrayOutputStream out2 = new ByteArrayOutputStream();
        VerifyingSink s2 = new VerifyingSink(out2, digest, blob.length);
        s2.trustUpstream();
        feed(s2, blob, 0, PIECE, 250);
        s2.restartChecking(PIECE, pieceDigests(blob, 1));
        feed(s2, other, 0, other.length, 250);
        assertThrows(IOException.class, s2::finish);
        assertTrue(out2.size() < blob.length);
    }
}
