package io.shmkit.core;

/**
 * What a typed object asks of a segment: its kind, element layout and, when known, the
 * element count ({@code -1} on attach means "whatever the header says").
 */
record SegmentSpec(SegmentKind kind, String layout, long elementSize, long elementAlignment, long count) {

    static SegmentSpec of(SegmentKind kind, java.lang.foreign.MemoryLayout element, long count) {
        return new SegmentSpec(kind, Layouts.describe(element), element.byteSize(), element.byteAlignment(), count);
    }

    SegmentSpec withCount(long newCount) {
        return new SegmentSpec(kind, layout, elementSize, elementAlignment, newCount);
    }

    /** "STRUCT_ARRAY Point{x:f64@0,y:f64@8}#16 x 3", or without the count if not known. */
    String describe() {
        return kind + " " + layout + (count >= 0 ? " x " + count : "");
    }
}
