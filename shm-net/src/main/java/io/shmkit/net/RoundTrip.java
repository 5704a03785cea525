package io.shmkit.net;

/**
 * The sender's estimate of the link's round trip, and from it how long acknowledgements may
 * stand still before the sender reads queue A again from the first unacknowledged message.
 * The estimator is TCP's (RFC 6298): a smoothed round trip and its mean deviation, fed with
 * samples from the handshake (first HELLO of a session to its ACCEPT) and from acknowledgements
 * (the highest message sent to the ACK that covers it; the receiver's acknowledgement delay,
 * at most 1 ms, is in the sample, which errs long). The period is the estimate plus four
 * deviations, never less than a floor (three handshake periods), and doubles after each resend
 * that brought no acknowledgement, up to 16 times, as TCP backs off its retransmission timer.
 *
 * <p>One thread.
 */
final class RoundTrip {
    private static final int MAX_BACKOFF_SHIFT = 4;

    private long smoothed = -1;
    private long deviation;
    private int backoff;

    /** A round trip of {@code nanos} was seen (ignored if not positive). */
    void sample(long nanos) {
        if (nanos <= 0) {
            return;
        }
        if (smoothed < 0) {
            smoothed = nanos;
            deviation = nanos / 2;
        } else {
            deviation = (3 * deviation + Math.abs(smoothed - nanos)) / 4;
            smoothed = (7 * smoothed + nanos) / 8;
        }
    }

    /** The smoothed round trip in nanoseconds; -1 before the first sample. */
    long smoothed() {
        return smoothed;
    }

    /** How long acknowledgements may stand still before a resend, at least {@code floorNanos}. */
    long stallNanos(long floorNanos) {
        long period = smoothed < 0 ? floorNanos : Math.max(floorNanos, smoothed + 4 * deviation);
        return period << backoff;
    }

    /** A resend was made: the next period is twice as long (up to 16 times the first). */
    void resent() {
        backoff = Math.min(backoff + 1, MAX_BACKOFF_SHIFT);
    }

    /** Acknowledgements moved: back to the unmultiplied period. */
    void progressed() {
        backoff = 0;
    }
}
