package io.shmkit.bench.ipc;

import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/** The check every handoff passes: a transport that delivers stale, partial or torn data fails. */
class PayloadTest {

    @Test
    void freshCompleteDataPasses() {
        for (int n : new int[] {1, 3, 4, 1025, 8 * 1024 * 1024}) {
            for (long seq : new long[] {1, 7, 1_000_000}) {
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment data = arena.allocate(n * 8L);
                    Payload.fill(data, n, seq);
                    assertEquals((double) n * (n - 1) / 2 + (double) n * seq, Payload.sumChecked(data, n, seq),
                            "n = " + n + ", seq = " + seq);
                }
            }
        }
    }

    @Test
    void stalePartialOrTornDataFails() {
        int n = 1024;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocate(n * 8L);
            Payload.fill(data, n, 6);
            IllegalStateException stale = assertThrows(IllegalStateException.class, () -> Payload.sumChecked(data, n, 7));
            assertTrue(stale.getMessage().contains("handoff 7"), stale.getMessage());
            Payload.fill(data, n, 7);
            data.set(JAVA_DOUBLE, 8L * (n - 1), 0); // the last element never arrived
            assertThrows(IllegalStateException.class, () -> Payload.sumChecked(data, n, 7));
            Payload.fill(data, n, 7);
            data.set(JAVA_DOUBLE, 8L * 500, 500 + 6); // one element of the previous handoff: torn
            assertThrows(IllegalStateException.class, () -> Payload.sumChecked(data, n, 7));
        }
    }
}
