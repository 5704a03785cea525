package io.shmkit.core;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The fixed length of an array or string component of a record laid out as a struct.
 *
 * <ul>
 *   <li>{@code @Length(4) double[] xs} is {@code c_double * 4}: exactly 4 elements; writing a
 *       record whose array has another length throws.</li>
 *   <li>{@code @Length(3) Point[] ps} is {@code Point * 3}.</li>
 *   <li>{@code @Length(16) String name} is {@code c_char * 16}: up to 16 bytes of UTF-8, read up
 *       to the first NUL, NUL-padded when shorter; a longer string throws.</li>
 * </ul>
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.RECORD_COMPONENT)
public @interface Length {
    /** Number of elements (bytes for a string); at least 1. */
    int value();
}
