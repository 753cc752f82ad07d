package io.dfly.core.protocol;

import java.util.Base64;
import java.util.BitSet;

/** The set of piece numbers a peer holds, with its wire encoding (base64 of a little-endian bitset). */
public final class PieceSet {
    private PieceSet() {
    }

    public static String encode(BitSet pieces) {
        return Base64.getEncoder().encodeToString(pieces.toByteArray());
    }

    public static BitSet decode(String encoded) {
        if (encoded == null || encoded.isEmpty()) {
            return new BitSet();
        }
        try {
            return BitSet.valueOf(Base64.getDecoder().decode(encoded));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'have' is not base64 of a piece bitset");
        }
    }
}
