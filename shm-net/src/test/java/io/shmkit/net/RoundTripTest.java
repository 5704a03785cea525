package io.shmkit.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The stall period: RFC 6298's estimate with headroom, over a floor, backed off per fruitless resend, capped. */
class RoundTripTest {
    static final long MS = 1_000_000;
    static final long FLOOR = 300 * MS;

    @Test
    void withoutSamplesOrOnAShortLinkTheFloorHolds() {
        RoundTrip rtt = new RoundTrip();
        assertEquals(FLOOR, rtt.stallNanos(FLOOR));
        for (int i = 0; i < 20; i++) {
            rtt.sample(200_000); // 0.2 ms loopback
        }
        assertEquals(FLOOR, rtt.stallNanos(FLOOR));
        rtt.sample(0);
        rtt.sample(-5);
        assertEquals(200_000, rtt.smoothed(), "non-positive samples are ignored");
    }

    @Test
    void aLongRoundTripKeepsThePeriodAQuarterAboveItEvenWhenSamplesAreSteady() {
        RoundTrip rtt = new RoundTrip();
        rtt.sample(600 * MS); // a satellite hop
        assertEquals(600 * MS + 4 * 300 * MS, rtt.stallNanos(FLOOR), "first sample: the deviation is half of it");
        for (int i = 0; i < 50; i++) {
            rtt.sample(600 * MS);
        }
        assertEquals(600 * MS, rtt.smoothed());
        assertEquals(750 * MS, rtt.stallNanos(FLOOR), "steady samples: no deviation left, a quarter of headroom");
        rtt.sample(700 * MS);
        assertTrue(rtt.stallNanos(FLOOR) > 700 * MS, "a slower round trip widens the period past it: " + rtt.stallNanos(FLOOR));
    }

    @Test
    void fruitlessResendsDoubleThePeriodUntilASampleOrANewSessionAndNeverPastTheCap() {
        RoundTrip rtt = new RoundTrip();
        for (int i = 1; i <= 6; i++) {
            rtt.resent();
            assertEquals(FLOOR << Math.min(i, 4), rtt.stallNanos(FLOOR));
        }
        rtt.sample(1 * MS); // an acknowledgement of a message sent once: Karn's rule lets it end the backoff
        assertEquals(FLOOR, rtt.stallNanos(FLOOR));
        rtt.resent();
        rtt.newSession();
        assertEquals(FLOOR, rtt.stallNanos(FLOOR));

        rtt.sample(30_000 * MS); // one outlier (a 30 s pause that slipped through)
        assertEquals(RoundTrip.MAX_STALL_NANOS, rtt.stallNanos(FLOOR), "capped at 10 s");
        rtt.resent();
        assertEquals(RoundTrip.MAX_STALL_NANOS, rtt.stallNanos(FLOOR), "backed off, still capped");
        assertEquals(20_000 * MS, rtt.stallNanos(20_000 * MS), "unless the floor itself is longer");
        RoundTrip absurd = new RoundTrip();
        absurd.resent();
        absurd.resent();
        assertEquals(Long.MAX_VALUE / 2 + 1, absurd.stallNanos(Long.MAX_VALUE / 2 + 1), "no overflow at absurd floors");
    }
}
