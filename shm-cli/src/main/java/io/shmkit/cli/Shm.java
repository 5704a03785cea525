package io.shmkit.cli;

import io.shmkit.core.SegmentDirectory;
import io.shmkit.core.SegmentException;
import io.shmkit.core.SegmentNames;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * The {@code shm} command: list, inspect, watch and safely clean shmkit segments, locks and
 * queues. It never writes to a segment; {@code rm} and {@code gc} only unlink names, and only
 * this user's shmkit segments. {@code docs/cli.md} shows every subcommand and its JSON.
 */
@Command(name = "shm", mixinStandardHelpOptions = true, version = "shm (shmkit) 0.1.0",
        description = "List, inspect, watch and safely clean shmkit segments, locks and queues.",
        subcommands = {Shm.Ls.class, Inspect.class, Watch.class, Shm.Rm.class, Shm.Gc.class, Shm.Completion.class})
public final class Shm implements Runnable {
    /** Exit code of a command that failed or refused (a bad name, a missing directory, an in-use segment). */
    static final int FAILED = 1;
    /** Exit code of bad usage (picocli's). */
    static final int USAGE = 2;

    @Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the command with these streams; returns the exit code. For tests too. */
    static int run(String[] args, PrintWriter out, PrintWriter err) {
        boolean verbose = List.of(args).contains("--verbose");
        CommandLine cl = new CommandLine(new Shm());
        cl.setOut(out);
        cl.setErr(err);
        cl.setParameterExceptionHandler((e, arguments) -> {
            CommandLine sub = e.getCommandLine();
            String who = sub.getCommandName().equals("shm") ? "shm" : "shm " + sub.getCommandName();
            err.println(who + ": " + printable(e.getMessage()) + " (see " + sub.getCommandSpec().qualifiedName() + " --help)");
            err.flush();
            return USAGE;
        });
        cl.setExecutionExceptionHandler((e, commandLine, parsed) -> {
            String message = e instanceof SegmentException || e instanceof IllegalArgumentException
                    || e instanceof IllegalStateException ? e.getMessage() : e.toString();
            err.println("shm " + commandLine.getCommandName() + ": " + printable(message));
            if (verbose) {
                e.printStackTrace(err);
            }
            err.flush();
            return FAILED;
        });
        int code = cl.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Options every subcommand takes. */
    static final class Common {
        @Option(names = "--dir", paramLabel = "DIR", description = "segment directory (default: ${DEFAULT-VALUE})",
                defaultValue = "/dev/shm")
        Path dir;

        @Option(names = "--json", description = "machine-readable output (docs/cli.md)")
        boolean json;

        @Option(names = "--verbose", description = "show the stack trace of a failure")
        boolean verbose;

        SegmentDirectory directory() {
            if (!Files.exists(dir)) {
                throw new IllegalArgumentException("directory " + dir + " does not exist");
            }
            if (!Files.isDirectory(dir)) {
                throw new IllegalArgumentException("directory " + dir + " is not a directory");
            }
            if (!Files.isReadable(dir)) {
                throw new IllegalArgumentException("directory " + dir + " cannot be read");
            }
            return SegmentDirectory.of(dir);
        }
    }

    static String name(String name) {
        SegmentNames.validate(name); // IllegalArgumentException naming the rule it breaks
        return name;
    }

    @Command(name = "ls", mixinStandardHelpOptions = true, description = "List every segment of the directory, and the files that are not segments.")
    static final class Ls implements Callable<Integer> {
        @Mixin
        Common common;
        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            SegmentDirectory dir = common.directory();
            Scan.Mappers maps = Scan.mappers(dir.path());
            List<Scan.Entry> entries = Scan.entries(dir, maps);
            PrintWriter out = spec.commandLine().getOut();
            if (common.json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("directory", dir.path().toString());
                m.put("processesScanned", maps.processes());
                m.put("processesUnreadable", maps.unreadable());
                m.put("entries", entries.stream().map(Scan.Entry::json).toList());
                out.println(Json.write(m));
                return 0;
            }
            out.printf("%-28s %-13s %-34s %12s  %-20s %-16s %s%n", "NAME", "KIND", "LAYOUT", "SIZE", "CREATED", "CREATOR",
                    "MAPPED BY");
            for (Scan.Entry e : entries) {
                if (e.isSegment()) {
                    out.printf("%-28s %-13s %-34s %12d  %-20s %-16s %s%n", printable(e.name()), e.info().kind(),
                            shorten(e.info().layout() + " x " + e.info().elementCount(), 34), e.size(),
                            e.info().createdAt().toString().substring(0, 19), e.info().creatorPid() + " "
                                    + e.creatorLiveness().name().toLowerCase(), e.mappedBy().isEmpty() ? "-" : e.mappedBy());
                } else {
                    out.printf("%-28s %-13s %-34s %12d  %s%n", printable(e.name()), "foreign", shorten(e.problem(), 34), e.size(),
                            "(not a segment shm opens: never touched)");
                }
            }
            if (!maps.blindSpot().isEmpty()) {
                out.println("note: " + maps.blindSpot());
            }
            return 0;
        }
    }

    /**
     * {@code s} with control characters shown as {@code \xHH}, as {@code ls -b} does: any local user
     * can name a file in {@code /dev/shm}, and a name must not move the cursor or fake a row.
     */
    static String printable(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)) {
                sb.append(String.format("\\x%02x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    static String shorten(String s, int n) {
        s = printable(s);
        return s == null ? "" : s.length() <= n ? s : s.substring(0, n - 3) + "...";
    }

    @Command(name = "rm", mixinStandardHelpOptions = true, description = "Unlink segments. A segment a live process maps is refused unless --force.")
    static final class Rm implements Callable<Integer> {
        @Mixin
        Common common;
        @Spec
        CommandLine.Model.CommandSpec spec;
        @Option(names = "--force", description = "unlink even if live processes map it (they keep their mapping)")
        boolean force;
        @Parameters(paramLabel = "NAME", arity = "1..*", description = "segment names")
        List<String> names;

        @Override
        public Integer call() {
            SegmentDirectory dir = common.directory();
            Scan.Mappers maps = Scan.mappers(dir.path());
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            List<Object> report = new ArrayList<>();
            int code = 0;
            for (String n : names) {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("name", n);
                String why;
                boolean removed = false;
                if (!SegmentNames.isValid(n)) {
                    why = "not a valid segment name";
                } else if (!Files.exists(dir.path().resolve(n), LinkOption.NOFOLLOW_LINKS)) {
                    why = "no such segment";
                } else {
                    Scan.Entry e = Scan.entry(dir, n, maps);
                    if (!e.isSegment()) {
                        why = "not a shmkit segment (" + e.problem() + "): never touched";
                    } else if (!e.mappedBy().isEmpty() && !force) {
                        why = "mapped by live processes " + e.mappedBy() + " (--force unlinks it anyway)";
                    } else if (!force && !Scan.mappers(java.util.Set.of(e.file())).of(e.file()).isEmpty()) {
                        why = "a process started using it during the check: left alone";
                    } else {
                        removed = dir.unlinkIfSame(e.info());
                        why = removed ? "unlinked" + (e.mappedBy().isEmpty() ? "" : "; pids " + e.mappedBy() + " keep their mapping")
                                : "not unlinked (replaced or gone meanwhile)";
                    }
                }
                r.put("removed", removed);
                r.put("reason", why);
                report.add(r);
                if (!removed) {
                    code = FAILED;
                }
                if (!common.json) {
                    (removed ? out : err).println((removed ? "removed " : "refused ") + printable(n) + ": " + printable(why));
                }
            }
            if (common.json) {
                out.println(Json.write(report));
            }
            return code;
        }
    }

    @Command(name = "gc", mixinStandardHelpOptions = true, description = {"Remove the segments whose creator is dead and which no live process maps.",
            "Never an in-use segment, a foreign file, a segment being created, or one younger than the grace period."})
    static final class Gc implements Callable<Integer> {
        @Mixin
        Common common;
        @Spec
        CommandLine.Model.CommandSpec spec;
        @Option(names = "--dry-run", description = "say what would be removed, remove nothing")
        boolean dryRun;
        @Option(names = "--grace", paramLabel = "DURATION", defaultValue = "PT1M",
                description = "leave segments younger than this (ISO-8601, default ${DEFAULT-VALUE})")
        Duration grace;

        @Override
        public Integer call() {
            SegmentDirectory dir = common.directory();
            Scan.Mappers maps = Scan.mappers(dir.path());
            PrintWriter out = spec.commandLine().getOut();
            List<Object> report = new ArrayList<>();
            List<Scan.Entry> segments = Scan.entries(dir, maps).stream().filter(Scan.Entry::isSegment).toList(); // foreign: never touched
            // one more look, just before removing, at the candidates only: a process may have attached since the first
            java.util.Set<Scan.FileId> candidates = new java.util.HashSet<>();
            for (Scan.Entry e : segments) {
                if (keepReason(e, maps) == null && e.file() != null) {
                    candidates.add(e.file());
                }
            }
            Scan.Mappers again = dryRun ? maps : Scan.mappers(candidates);
            for (Scan.Entry e : segments) {
                String keep = keepReason(e, maps);
                boolean removed = false;
                String why = keep;
                if (keep == null && !again.of(e.file()).isEmpty()) {
                    keep = "a process started using it during the check";
                    why = keep;
                }
                if (keep == null) {
                    // the name must still hold the segment judged: one created meanwhile under it is never removed
                    removed = dryRun || dir.unlinkIfSame(e.info());
                    why = "creator pid " + e.info().creatorPid() + " is dead and no live process maps it"
                            + (removed ? "" : "; not unlinked (replaced or gone meanwhile)");
                }
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("name", e.name());
                r.put("removed", removed && !dryRun);
                r.put("wouldRemove", keep == null);
                r.put("reason", why);
                report.add(r);
                if (!common.json) {
                    out.println((keep == null ? (dryRun ? "would remove " : "removed ") : "kept ") + printable(e.name()) + ": " + why);
                }
            }
            if (common.json) {
                out.println(Json.write(report));
            }
            return 0;
        }

        /** Why a segment stays, or null if it goes. */
        private String keepReason(Scan.Entry e, Scan.Mappers maps) {
            if (!e.mappedBy().isEmpty()) {
                return "in use: mapped by live processes " + e.mappedBy();
            }
            switch (e.creatorLiveness()) {
                case ALIVE -> {
                    return "its creator, pid " + e.info().creatorPid() + ", is alive";
                }
                case UNKNOWN -> {
                    return "cannot tell whether its creator, pid " + e.info().creatorPid() + ", is alive";
                }
                case DEAD -> {
                }
            }
            if (e.info().createdAt().isAfter(Instant.now().minus(grace))) {
                return "younger than the grace period (" + grace + ")";
            }
            if (maps.unreadable() > 0 && !privateToUser(e.path())) {
                return maps.blindSpot() + ", and other users may map this segment";
            }
            return null;
        }

        private static boolean privateToUser(Path p) {
            try {
                Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
                boolean mine = Files.getOwner(p, LinkOption.NOFOLLOW_LINKS).getName().equals(System.getProperty("user.name"));
                return mine && perms.stream().noneMatch(x -> x.name().startsWith("GROUP") || x.name().startsWith("OTHERS"));
            } catch (java.io.IOException | UnsupportedOperationException e) {
                return false;
            }
        }
    }

    @Command(name = "completion", mixinStandardHelpOptions = true, description = "Print a bash/zsh completion script: source <(shm completion)")
    static final class Completion implements Callable<Integer> {
        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            spec.commandLine().getOut().print(AutoComplete.bash("shm", spec.root().commandLine()));
            return 0;
        }
    }
}
