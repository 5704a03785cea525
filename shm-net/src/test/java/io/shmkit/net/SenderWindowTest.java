package io.shmkit.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The retransmit window's arithmetic: wrap markers, acknowledgement, rewind, and when it is full. */
class SenderWindowTest {
    /** Adds a DATA frame of {@code payload} bytes numbered by the window; false if it is full. */
    private static boolean add(SenderWindow window, int payload) {
        int frame = BridgeFrames.HEADER_LENGTH + payload;
        int at = window.reserve(frame);
        if (at < 0) {
            return false;
        }
        BridgeFrames.header(window.buffer, at, BridgeFrames.DATA, payload, window.nextSeq());
        window.commit(at, frame);
        return true;
    }

    /** Sends everything unsent; returns the sequence numbers in the order they went out. */
    private static List<Long> sendAll(SenderWindow window) {
        List<Long> sent = new ArrayList<>();
        while (window.hasUnsent()) {
            int at = window.unsentOffset();
            assertEquals(BridgeFrames.DATA, BridgeFrames.type(window.buffer, at));
            assertEquals(BridgeFrames.HEADER_LENGTH + BridgeFrames.intArgument(window.buffer, at), window.frameLength(at));
            sent.add(BridgeFrames.longArgument(window.buffer, at));
            window.sent(at);
        }
        return sent;
    }

    @Test
    void framesGoOutInOrderAcrossManyWrapsAndAcknowledgementFreesRoom() {
        SenderWindow window = new SenderWindow(1024, 100);
        long expected = 100;
        for (int i = 0; i < 500; i++) {
            int payload = 8 + (i * 37) % 200; // lengths that leave odd tails at the ring's end
            if (!add(window, payload)) {
                List<Long> sent = sendAll(window);
                for (long seq : sent) {
                    assertEquals(expected++, seq);
                }
                window.acknowledge(window.nextSeq());
                assertTrue(window.isEmpty());
                assertTrue(add(window, payload), "an empty window takes any frame that fits it");
            }
        }
        for (long seq : sendAll(window)) {
            assertEquals(expected++, seq);
        }
        assertEquals(window.nextSeq(), expected);
    }

    @Test
    void aFullWindowRefusesUntilAcknowledgedAndKeepsItsFirstNumber() {
        SenderWindow window = new SenderWindow(1024, 0);
        int added = 0;
        while (add(window, 48)) {
            added++;
        }
        assertEquals(1024 / 72, added, "8-byte prefix + 16-byte header + 48 bytes, 8-aligned: 72 bytes an entry");
        assertEquals(0, window.firstSeq());
        window.acknowledge(3);
        assertEquals(3, window.firstSeq());
        assertTrue(add(window, 48), "three entries freed");
        window.acknowledge(1); // an older acknowledgement changes nothing
        assertEquals(3, window.firstSeq());
    }

    @Test
    void rewindSendsAgainFromTheNumberAskedForAndNotBeforeTheFirstHeld() {
        SenderWindow window = new SenderWindow(4096, 10);
        for (int i = 0; i < 20; i++) {
            assertTrue(add(window, 24));
        }
        assertEquals(20, sendAll(window).size());
        assertEquals(15, window.rewind(15));
        assertEquals(List.of(15L, 16L, 17L, 18L, 19L, 20L, 21L, 22L, 23L, 24L, 25L, 26L, 27L, 28L, 29L), sendAll(window));
        assertEquals(15, window.firstSeq(), "numbers below the one asked for count as recorded");
        assertEquals(15, window.rewind(3), "a number already freed: sending starts at the first held");
        assertEquals(15, sendAll(window).size());
        assertFalse(window.hasUnsent());
    }
}
