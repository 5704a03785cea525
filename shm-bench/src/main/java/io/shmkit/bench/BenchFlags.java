package io.shmkit.bench;

import java.util.List;

/**
 * The JVM flags the peer libraries need, in one place. Agrona 2.x reads
 * {@code jdk.internal.misc.Unsafe}; Aeron (its client and embedded media driver, built on
 * Agrona) needs Agrona's flag and no other; Chronicle Bytes reaches into {@code sun.nio.ch} and
 * {@code java.lang} and loads native code through JNA/jffi. shmkit (shm-core, shm-sync,
 * shm-msg) needs none of them: they are set only on the benchmark forks that run a peer library
 * ({@code @Fork(jvmArgsAppend)}) and on the peer JVMs those forks start ({@link #PEER_LIBRARIES}).
 */
public final class BenchFlags {
    public static final String OPEN_MISC = "--add-opens=java.base/jdk.internal.misc=ALL-UNNAMED";
    public static final String OPEN_NIO_CH = "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED";
    public static final String OPEN_LANG = "--add-opens=java.base/java.lang=ALL-UNNAMED";
    public static final String OPEN_REFLECT = "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED";
    public static final String OPEN_IO = "--add-opens=java.base/java.io=ALL-UNNAMED";
    public static final String OPEN_UTIL = "--add-opens=java.base/java.util=ALL-UNNAMED";
    public static final String EXPORT_REF = "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED";
    public static final String NATIVE = "--enable-native-access=ALL-UNNAMED";
    public static final String UNSAFE = "--sun-misc-unsafe-memory-access=allow";
    public static final String NO_ANALYTICS = "-Dchronicle.analytics.disable=true";
    public static final String QUIET_SLF4J = "-Dslf4j.internal.verbosity=ERROR";

    /** Every flag above, for a peer JVM that may use Agrona, Aeron or Chronicle Bytes. */
    public static final List<String> PEER_LIBRARIES = List.of(OPEN_MISC, OPEN_NIO_CH, OPEN_LANG,
            OPEN_REFLECT, OPEN_IO, OPEN_UTIL, EXPORT_REF, NATIVE, UNSAFE, NO_ANALYTICS, QUIET_SLF4J);

    private BenchFlags() {}
}
