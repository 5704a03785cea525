/**
 * Locks that live inside shmkit segments and work across JVMs. Not built yet: the space for
 * their lock words is already reserved in every segment header (see
 * {@code io.shmkit.core.SegmentDescriptor#LOCK_AREA_OFFSET}).
 */
package io.shmkit.sync;
