package io.shmkit.net;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The stall period: RFC 6298's estimate over a floor, doubled per fruitless resend. */
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
    void aLongRoundTripRaisesThePeriodAboveIt() {
        RoundTrip rtt = new RoundTrip();
        rtt.sample(600 * MS); // a satellite hop
        assertEquals(600 * MS + 4 * 300 * MS, rtt.stallNanos(FLOOR), "first sample: deviation is half of it");
        for (int i = 0; i < 50; i++) {
            rtt.sample(600 * MS);
        }
        long settled = rtt.stallNanos(FLOOR);
        assertEquals(600 * MS, rtt.smoothed());
        assertEquals(true, settled >= 600 * MS && settled < 610 * MS, "steady samples: the deviation decays, " + settled);
        rtt.sample(900 * MS);
        assertEquals(true, rtt.stallNanos(FLOOR) > 900 * MS, "a jump widens the period past the new sample");
    }

    @Test
    void eachFruitlessResendDoublesThePeriodUpToSixteenTimesAndProgressResetsIt() {
        RoundTrip rtt = new RoundTrip();
        for (int i = 1; i <= 6; i++) {
            rtt.resent();
            assertEquals(FLOOR << Math.min(i, 4), rtt.stallNanos(FLOOR));
        }
        rtt.progressed();
        assertEquals(FLOOR, rtt.stallNanos(FLOOR));
    }
}
