package io.shmkit.net;

/**
 * What a sending bridge records in segment {@code <queue>.net-out} beside its queue, so that a
 * bridge restarted after a stop or a kill numbers on without reusing a number or hiding a loss
 * ({@code docs/network.md} §4). Two slots and a version: the slot {@code version & 1} holds the
 * last sequence number taken from the queue and recorded, with the queue's consumer position
 * just after it; the other slot is written first, then the version, so that a kill between the
 * two leaves the previous pair whole. The sender takes one message per commit and records after
 * each, so the queue's position can be at most one message past the recorded pair.
 *
 * <p>Its bytes (the struct segment's data, layout text
 * {@code SenderState{linkId:i64@0,...,endSeq:i64@48}#56}, checked on attach; every field
 * little-endian, 8-aligned; {@code docs/network.md} §4a):
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                    linkId (never 0)                           |  0x00
 *  +---------------------------------------------------------------+
 *  |          version (slot version &amp; 1 is current; set last)      |  0x08
 *  +---------------------------------------------------------------+
 *  |                 seq0: last number taken, slot 0               |  0x10
 *  +---------------------------------------------------------------+
 *  |            head0: queue consumer position after it            |  0x18
 *  +---------------------------------------------------------------+
 *  |                 seq1: last number taken, slot 1               |  0x20
 *  +---------------------------------------------------------------+
 *  |            head1: queue consumer position after it            |  0x28
 *  +---------------------------------------------------------------+
 *  |                endSeq: END's number, -1 until then            |  0x30
 *  +---------------------------------------------------------------+  0x38
 * </pre>
 * (each row is one 8-byte word)
 *
 * @param linkId  random, chosen when the segment is made: the receiver sees a new link when it changes
 * @param version which slot is current
 * @param seq0    slot 0: the last sequence number taken (-1: none yet)
 * @param head0   slot 0: the queue's consumer position after it
 * @param seq1    slot 1: the same
 * @param head1   slot 1: the same
 * @param endSeq  the number END took once the stream ended (-1 until then): a restarted sender
 *                sends END again and takes nothing more
 */
public record SenderState(long linkId, long version, long seq0, long head0, long seq1, long head1, long endSeq) {}
