package io.shmkit.net;

/**
 * What a sending bridge records in segment {@code <queue>.net-out} beside its queue, so that a
 * bridge restarted after a stop or a kill numbers the queue's messages as its predecessor did
 * ({@code docs/network.md} §4). Two slots and a version: the slot {@code version & 1} holds the
 * last sequence number the receiver acknowledged, with the queue position where that message
 * ends; the other slot is written first, then the version, so that a kill between the two leaves
 * the previous pair whole. The sender records a pair before it consumes the queue up to it, so
 * the queue's consumer position is never past the recorded one: at it, or (killed in between)
 * behind it, and then a successor consumes up to it.
 *
 * <p>Its bytes (the struct segment's data, layout text
 * {@code SenderState{linkId:i64@0,...,sent:i64@64}#72}, checked on attach; every field
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
 *  |            seq0: last number acknowledged, slot 0             |  0x10
 *  +---------------------------------------------------------------+
 *  |          head0: queue position where that message ends        |  0x18
 *  +---------------------------------------------------------------+
 *  |            seq1: last number acknowledged, slot 1             |  0x20
 *  +---------------------------------------------------------------+
 *  |          head1: queue position where that message ends        |  0x28
 *  +---------------------------------------------------------------+
 *  |                endSeq: END's number, -1 until then            |  0x30
 *  +---------------------------------------------------------------+
 *  |          queueInstance: the queue segment's instance id       |  0x38
 *  +---------------------------------------------------------------+
 *  |     sent: the highest number read ahead (for monitoring)      |  0x40
 *  +---------------------------------------------------------------+  0x48
 * </pre>
 * (each row is one 8-byte word)
 *
 * @param linkId        random, chosen when the segment is made: the receiver sees a new link when it changes
 * @param version       which slot is current
 * @param seq0          slot 0: the last sequence number the receiver acknowledged (-1: none yet)
 * @param head0         slot 0: the queue's consumer position just after that message
 * @param seq1          slot 1: the same
 * @param head1         slot 1: the same
 * @param endSeq        the number END took once every producer of the queue closed and all was
 *                      read (-1 until then): a restarted sender reads nothing after it
 * @param queueInstance the {@link io.shmkit.msg.MessageQueue#instanceId() instance id} of the queue
 *                      the positions belong to (a queue made again under the name has another);
 *                      0 while a sender that found the record not matching its queue has yet to
 *                      learn the receiver's number and number the queue's messages after it
 * @param sent          the highest number read ahead (sent, or found already at the receiver),
 *                      stored at start and after each batch, for monitoring: {@code sent} minus
 *                      the current {@code seq} is what is in flight
 */
public record SenderState(long linkId, long version, long seq0, long head0, long seq1, long head1, long endSeq,
                          long queueInstance, long sent) {}
