package io.shmkit.net;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * The frames a bridge link exchanges over its two Aeron streams ({@code docs/network.md} §3).
 * Every frame is one Aeron message, little-endian, and starts with the same 16-byte header:
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                          frame type                           |  0x00
 *  +---------------------------------------------------------------+
 *  |       int argument (DATA: message type; HELLO: version;       |  0x04
 *  |               REFUSE: reason length; else 0)                  |
 *  +---------------------------------------------------------------+
 *  |      long argument (DATA, END: sequence number; the others:   |  0x08
 *  |              the receiver incarnation they belong to)         |
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                           body ...                           ...  0x10
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * Data stream, sender to receiver:
 * <ul>
 *   <li>{@code HELLO} (1): body = link id (long), the sender's first unacknowledged sequence
 *       number (long), largest message (int), layout text length (int), layout text (UTF-8, empty for
 *       byte messages). Incarnation 0: "a sender started; join me".
 *   <li>{@code DATA} (2): body = the message's bytes, exactly as the local queue held them.
 *   <li>{@code END} (3): no body; the stream ended after the message before this number.
 * </ul>
 * Control stream, receiver to sender (body = a sequence number, except REFUSE):
 * <ul>
 *   <li>{@code JOIN} (11): body = the next sequence number the receiver needs.
 *   <li>{@code ACCEPT} (12): body = the same; the layouts match, stream from there.
 *   <li>{@code REFUSE} (13): body = the reason (UTF-8), naming the field that differs.
 *   <li>{@code ACK} (14): body = every number below it is written to the far queue and recorded.
 * </ul>
 */
final class BridgeFrames {
    private BridgeFrames() {}

    static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;
    static final int VERSION = 1;

    static final int HELLO = 1;
    static final int DATA = 2;
    static final int END = 3;
    static final int JOIN = 11;
    static final int ACCEPT = 12;
    static final int REFUSE = 13;
    static final int ACK = 14;

    static final int TYPE_OFFSET = 0;
    static final int INT_OFFSET = 4;
    static final int LONG_OFFSET = 8;
    static final int HEADER_LENGTH = 16;

    static final int HELLO_LINK_OFFSET = HEADER_LENGTH;
    static final int HELLO_FIRST_OFFSET = HEADER_LENGTH + 8;
    static final int HELLO_MAX_MESSAGE_OFFSET = HEADER_LENGTH + 16;
    static final int HELLO_LAYOUT_LENGTH_OFFSET = HEADER_LENGTH + 20;
    static final int HELLO_LAYOUT_OFFSET = HEADER_LENGTH + 24;

    /** The sequence number a JOIN, ACCEPT or ACK carries. */
    static final int NEXT_OFFSET = HEADER_LENGTH;
    static final int CONTROL_LENGTH = HEADER_LENGTH + 8;

    static int type(DirectBuffer buffer, int offset) {
        return buffer.getInt(offset + TYPE_OFFSET, ORDER);
    }

    static int intArgument(DirectBuffer buffer, int offset) {
        return buffer.getInt(offset + INT_OFFSET, ORDER);
    }

    static long longArgument(DirectBuffer buffer, int offset) {
        return buffer.getLong(offset + LONG_OFFSET, ORDER);
    }

    static void header(MutableDirectBuffer buffer, int offset, int type, int intArgument, long longArgument) {
        buffer.putInt(offset + TYPE_OFFSET, type, ORDER);
        buffer.putInt(offset + INT_OFFSET, intArgument, ORDER);
        buffer.putLong(offset + LONG_OFFSET, longArgument, ORDER);
    }

    /** A JOIN, ACCEPT or ACK frame; returns its length. */
    static int control(MutableDirectBuffer buffer, int type, long incarnation, long next) {
        header(buffer, 0, type, 0, incarnation);
        buffer.putLong(NEXT_OFFSET, next, ORDER);
        return CONTROL_LENGTH;
    }

    static long next(DirectBuffer buffer, int offset) {
        return buffer.getLong(offset + NEXT_OFFSET, ORDER);
    }

    /** A HELLO frame; returns its length. */
    static int hello(MutableDirectBuffer buffer, long incarnation, long linkId, long firstSeq, int maxMessage, String layout) {
        byte[] text = layout.getBytes(StandardCharsets.UTF_8);
        header(buffer, 0, HELLO, VERSION, incarnation);
        buffer.putLong(HELLO_LINK_OFFSET, linkId, ORDER);
        buffer.putLong(HELLO_FIRST_OFFSET, firstSeq, ORDER);
        buffer.putInt(HELLO_MAX_MESSAGE_OFFSET, maxMessage, ORDER);
        buffer.putInt(HELLO_LAYOUT_LENGTH_OFFSET, text.length, ORDER);
        buffer.putBytes(HELLO_LAYOUT_OFFSET, text);
        return HELLO_LAYOUT_OFFSET + text.length;
    }

    /** A REFUSE frame; returns its length. */
    static int refuse(MutableDirectBuffer buffer, long incarnation, String reason) {
        byte[] text = reason.getBytes(StandardCharsets.UTF_8);
        header(buffer, 0, REFUSE, text.length, incarnation);
        buffer.putBytes(HEADER_LENGTH, text);
        return HEADER_LENGTH + text.length;
    }

    /** The text of a REFUSE frame, or of a HELLO frame's layout; null if its length does not fit the frame. */
    static String text(DirectBuffer buffer, int offset, int length, int textOffset, int textLength) {
        if (textLength < 0 || textOffset + (long) textLength > length) {
            return null;
        }
        byte[] bytes = new byte[textLength];
        buffer.getBytes(offset + textOffset, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    static String name(int type) {
        return switch (type) {
            case HELLO -> "HELLO";
            case DATA -> "DATA";
            case END -> "END";
            case JOIN -> "JOIN";
            case ACCEPT -> "ACCEPT";
            case REFUSE -> "REFUSE";
            case ACK -> "ACK";
            default -> "frame type " + type;
        };
    }
}
