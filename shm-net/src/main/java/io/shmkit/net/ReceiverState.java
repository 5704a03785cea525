package io.shmkit.net;

import io.shmkit.sync.SemaphoreState;

/**
 * What a receiving bridge records in segment {@code <queue>.net-in} beside its queue
 * ({@code docs/network.md} §4): where the stream stands and every gap it has seen.
 *
 * <p>Its bytes (the struct segment's data, layout text {@code ReceiverState{...}#392}, checked on
 * attach; every field little-endian; {@code docs/network.md} §4a), each row one 8-byte word:
 *
 * <pre>
 *  +---------------------------------------------------------------+
 *  |                 linkId (0: no link yet)                       |  0x00
 *  +---------------------------------------------------------------+
 *  |             next: every number below it is written            |  0x08
 *  +---------------------------------------------------------------+
 *  |      pending: the number being written (== next only then)   |  0x10
 *  +---------------------------------------------------------------+
 *  |                 lost                                          |  0x18
 *  +---------------------------------------------------------------+
 *  |                 gaps                                          |  0x20
 *  +---------------------------------------------------------------+
 *  |                 lastGapFrom (-1: none)                        |  0x28
 *  +---------------------------------------------------------------+
 *  |                 lastGapTo (-1: none)                          |  0x30
 *  +---------------------------------------------------------------+
 *  |                 duplicates                                    |  0x38
 *  +---------------------------------------------------------------+
 *  |                 ended (0 or 1)                                |  0x40
 *  +---------------------------------------------------------------+
 *  |   role: a one-permit semaphore, {@link SemaphoreState} (320   |  0x48
 *  |   bytes, io.shmkit.sync.LockDescriptor, docs/locks.md)     ...|
 *  +---------------------------------------------------------------+  0x188
 * </pre>
 *
 * @param linkId       the link whose numbers these are (0: none yet)
 * @param next         the next sequence number to write; every number below it is in the queue
 * @param pending      the number being written: equal to {@code next} only while a message is
 *                     being written, or if the bridge was killed then (the message may be in
 *                     the queue once; it is written again, and reported)
 * @param lost         messages the link lost: numbers the sender could no longer send
 * @param gaps         how many times numbers were lost
 * @param lastGapFrom  the first number of the last gap (-1: none)
 * @param lastGapTo    the last number of the last gap (-1: none)
 * @param duplicates   messages that may have been written twice (one per kill inside a write)
 * @param ended        1 once the END frame was written: the stream is over
 * @param role         one permit, held by the receiving bridge: one receiver per queue at a time
 */
public record ReceiverState(long linkId, long next, long pending, long lost, long gaps, long lastGapFrom,
                            long lastGapTo, long duplicates, long ended, SemaphoreState role) {}
