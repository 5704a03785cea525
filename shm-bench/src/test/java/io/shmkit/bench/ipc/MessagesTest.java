package io.shmkit.bench.ipc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/** The throughput benchmarks' message check: what it lets through and what it stops. */
class MessagesTest {

    @Test
    void everyWordIsWrittenAndAWholeMessageInSequencePasses() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment message = arena.allocate(256);
            Messages.Verifier verifier = new Messages.Verifier(256, 1);
            for (long seq = 1; seq <= 3; seq++) {
                long first = Messages.first(0, seq);
                Messages.fill(message, 0, 256, first);
                for (int i = 0; i < 32; i++) {
                    assertEquals(first + i, message.getAtIndex(java.lang.foreign.ValueLayout.JAVA_LONG, i), "word " + i);
                }
                verifier.check(message, 0, 256);
            }
            assertEquals(3, verifier.received());
        }
    }

    @Test
    void twoProducersInterleaveButEachStaysInOrder() {
        Messages.Verifier verifier = new Messages.Verifier(32, 2);
        long[] words = new long[4];
        for (long[] p : new long[][] {{0, 1}, {1, 1}, {1, 2}, {0, 2}, {1, 3}}) {
            Messages.fill(words, Messages.first((int) p[0], p[1]));
            verifier.check(words);
        }
        assertEquals(5, verifier.received());
    }

    @Test
    void lossDuplicateTearWrongLengthAndUnknownProducerFail() {
        long[] words = new long[4];
        // a lost message: sequence 2 first
        Messages.fill(words, Messages.first(0, 2));
        assertThrows(IllegalStateException.class, () -> new Messages.Verifier(32, 1).check(words));
        // a duplicate
        Messages.Verifier twice = new Messages.Verifier(32, 1);
        Messages.fill(words, Messages.first(0, 1));
        twice.check(words);
        IllegalStateException duplicate = assertThrows(IllegalStateException.class, () -> twice.check(words));
        assertTrue(duplicate.getMessage().contains("sequence 1 (expected 2)"), duplicate.getMessage());
        // a torn message: the last word from another message
        long first = Messages.first(0, 1);
        assertThrows(IllegalStateException.class, () -> new Messages.Verifier(32, 1).check(first, first + 2, first + 4, 32));
        // a stale stretch in the middle, ends intact
        long[] stale = new long[8];
        Messages.fill(stale, first);
        stale[4] = 0;
        assertThrows(IllegalStateException.class, () -> new Messages.Verifier(64, 1).check(stale));
        // a short one
        assertThrows(IllegalStateException.class,
                () -> new Messages.Verifier(32, 1).check(first, first + 1, Messages.last(first, 24), 24));
        // a producer the stream does not have
        Messages.fill(words, Messages.first(1, 1));
        assertThrows(IllegalStateException.class, () -> new Messages.Verifier(32, 1).check(words));
    }
}
