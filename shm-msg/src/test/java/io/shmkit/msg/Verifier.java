package io.shmkit.msg;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks a stream of {@link Checksummed} messages from several producers: each intact, and each
 * producer's sequence numbers in order without gaps. Duplicates (a sequence number below the
 * next expected) are counted apart, for at-least-once redelivery.
 */
final class Verifier implements MessageHandler {
    final long[] next;
    long total;
    long torn;
    long duplicates;
    long gaps;
    final List<String> problems = new ArrayList<>();

    Verifier(int producers) {
        this.next = new long[producers];
    }

    @Override
    public void onMessage(int type, MemorySegment buffer, long offset, int length) {
        total++;
        String problem = Checksummed.check(buffer, offset, length);
        if (problem != null) {
            torn++;
            note("torn: " + problem);
            return;
        }
        int producer = Checksummed.producer(buffer, offset);
        long seq = Checksummed.seq(buffer, offset);
        if (producer < 0 || producer >= next.length || type != 1 + producer) {
            torn++;
            note("producer " + producer + " with type " + type);
            return;
        }
        if (seq == next[producer]) {
            next[producer]++;
        } else if (seq < next[producer]) {
            duplicates++;
            note("duplicate: producer " + producer + " seq " + seq + ", expected " + next[producer]);
        } else {
            gaps++;
            note("gap: producer " + producer + " seq " + seq + ", expected " + next[producer]);
            next[producer] = seq + 1;
        }
    }

    private void note(String problem) {
        if (problems.size() < 20) {
            problems.add(problem);
        }
    }

    @Override
    public String toString() {
        return "total " + total + ", torn " + torn + ", duplicates " + duplicates + ", gaps " + gaps + ", next "
                + java.util.Arrays.toString(next) + (problems.isEmpty() ? "" : ", first problems " + problems);
    }
}
