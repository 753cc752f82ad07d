package io.dfly.supernode.task;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

class OriginHeadersTest {
    @Test
    void roundTripsAndOnlyForItsUrl() {
        Map<String, String> h = new HashMap<>(Map.of("Authorization", "Bearer T0K", "X-Other", "é"));
        h.put("Dropped", null);
        OriginHeaders o = new OriginHeaders("key-1", h);
        OriginHeaders back = OriginHeaders.fromBytes(o.toBytes());
        assertEquals(o, back);
        assertEquals(Map.of("Authorization", "Bearer T0K", "X-Other", "é"), back.forUrl("key-1"));
        assertEquals(Map.of(), back.forUrl("key-2"), "another URL gets none");
        assertFalse(o.toString().contains("T0K"), o.toString());
        assertThrows(IllegalArgumentException.class, () -> OriginHeaders.fromBytes(new byte[]{9, 9}));
    }
}
