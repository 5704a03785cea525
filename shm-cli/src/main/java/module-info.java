/**
 * The {@code shm} command: list, inspect, watch and safely clean shmkit segments, locks and
 * queues. Run from its shaded jar ({@code bin/shm}), or on the module path:
 * {@code java -p MODULES -m io.shmkit.cli/io.shmkit.cli.Shm}.
 */
module io.shmkit.cli {
    requires io.shmkit.core;
    requires io.shmkit.sync;
    requires io.shmkit.msg;
    requires info.picocli;

    opens io.shmkit.cli to info.picocli; // picocli reads the commands' annotated fields reflectively
}
