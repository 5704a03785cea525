package io.shmkit.net;

/**
 * The sender's estimate of the link's round trip, and from it how long acknowledgements may
 * stand still before the sender reads queue A again from the first unacknowledged message.
 *
 * <p>The estimator is TCP's (RFC 6298): a smoothed round trip and its mean deviation. The sender
 * feeds it one timed number at a time, as TCP times one segment: the first HELLO of a session to
 * its ACCEPT (only if that HELLO was the session's only one), and a sent message to the ACK that
 * covers it (never a message sent again, never one offered into back-pressure, never a sample
 * taken by a duty cycle that came late, as after a pause of the sender's process). A sample also
 * holds the receiver's acknowledgement delay (at most 1 ms) and any queueing on the way, so it
 * errs long. The period is the estimate plus the larger of four deviations and a quarter of the
 * estimate (steady samples drive the deviation to nothing), never less than a floor (three
 * handshake periods). Each resend that brought no acknowledgement doubles it, four times at most
 * (16 times the period), until a new sample arrives (Karn's rule: the acknowledgement of a
 * resend says nothing about the round trip) or a new session starts; and it is never more than
 * 10 s (Aeron's image liveness timeout), or the floor if that is longer, so that one outlier
 * cannot postpone recovery by minutes. The estimate itself lasts across sessions: it belongs to
 * the path.
 *
 * <p>One thread.
 */
final class RoundTrip {
    /** The longest period, whatever the samples and the backoff (unless the floor is longer). */
    static final long MAX_STALL_NANOS = 10_000_000_000L;
    private static final int MAX_BACKOFF_SHIFT = 4;

    private long smoothed = -1;
    private long deviation;
    private int backoff;

    /** A round trip of {@code nanos} was seen (ignored if not positive); the backoff ends. */
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
        backoff = 0;
    }

    /** The smoothed round trip in nanoseconds; -1 before the first sample. */
    long smoothed() {
        return smoothed;
    }

    /** How long acknowledgements may stand still before a resend, at least {@code floorNanos}. */
    long stallNanos(long floorNanos) {
        long cap = Math.max(MAX_STALL_NANOS, floorNanos);
        long period = smoothed < 0 ? floorNanos : Math.max(floorNanos, smoothed + Math.max(4 * deviation, smoothed / 4));
        for (int i = 0; i < backoff && period < cap; i++) {
            period = period > cap / 2 ? cap : period * 2;
        }
        return Math.min(period, cap);
    }

    /** A resend was made: the next period is twice as long, up to 16 times the first. */
    void resent() {
        backoff = Math.min(backoff + 1, MAX_BACKOFF_SHIFT);
    }

    /** A new session: the backoff of the last one's resends ends. */
    void newSession() {
        backoff = 0;
    }
}
