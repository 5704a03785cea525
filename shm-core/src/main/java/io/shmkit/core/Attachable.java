package io.shmkit.core;

import java.util.Objects;

/**
 * A shmkit object that another process attaches by name: what crosses to a child JVM when one
 * is passed as an argument of {@link io.shmkit.process.JvmProcess#target}. The child calls the
 * object's class's static {@code open(SegmentDirectory, String)}, or
 * {@code open(SegmentDirectory, String, Class)} when {@link Ref#recordType()} is not null, and
 * closes what it attached when the target returns.
 */
public interface Attachable {
    /**
     * Where another process finds this object.
     *
     * @throws IllegalStateException if it cannot be attached by name (a lock that lives inside
     *         another object's segment, say), saying what to pass instead
     */
    Ref attachment();

    /**
     * A segment's directory and name, and the record type its {@code open} takes (null for none).
     *
     * @param directory  the directory, as this process attached it
     * @param name       the segment name
     * @param recordType the record type, or null
     */
    record Ref(SegmentDirectory directory, String name, Class<? extends Record> recordType) {
        /** Checks the parts. */
        public Ref {
            Objects.requireNonNull(directory, "directory");
            SegmentNames.validate(name);
        }
    }
}
