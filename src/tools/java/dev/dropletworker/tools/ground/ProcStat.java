package dev.dropletworker.tools.ground;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * One process's CPU times from {@code /proc/<pid>/stat} (Linux): what it used itself, all its
 * threads together, and what its children that ended and were waited for used. Lets a benchmark
 * charge CPU to the worker or to the database without a profiler.
 *
 * @param pid          the process id
 * @param ppid         the parent's process id
 * @param ownMillis    user plus system time of the process (every thread)
 * @param reapedMillis user plus system time of its ended children it waited for
 */
public record ProcStat(long pid, long ppid, long ownMillis, long reapedMillis) {

    /**
     * The kernel reports times in USER_HZ ticks, which Linux fixes at 100 a second for user space
     * on every architecture this runs on ({@code getconf CLK_TCK}).
     */
    private static final long MILLIS_PER_TICK = 10;

    /** The process's times now; empty when it is gone or this is not Linux. */
    public static Optional<ProcStat> of(long pid) {
        try {
            return Optional.of(parse(pid, Files.readString(Path.of("/proc", Long.toString(pid), "stat"))));
        } catch (IOException | RuntimeException gone) {
            return Optional.empty();
        }
    }

    /**
     * CPU time of the process's threads whose name starts with one of {@code prefixes} (the kernel
     * keeps 15 characters of a thread's name: the JIT's are "C1 CompilerThre" and "C2 CompilerThre"),
     * in milliseconds, read in one pass over the threads; -1 when it cannot be read. A thread that
     * has ended is no longer counted.
     */
    public static long threadsMillis(long pid, String... prefixes) {
        Path tasks = Path.of("/proc", Long.toString(pid), "task");
        try (Stream<Path> threads = Files.list(tasks)) {
            long total = 0;
            for (Path thread : threads.toList()) {
                try {
                    String name = Files.readString(thread.resolve("comm"));
                    if (Arrays.stream(prefixes).anyMatch(name::startsWith)) {
                        total += parse(pid, Files.readString(thread.resolve("stat"))).ownMillis();
                    }
                } catch (IOException ended) {
                    // the thread ended between the listing and the read
                }
            }
            return total;
        } catch (IOException | RuntimeException gone) {
            return -1;
        }
    }

    /**
     * Fields after the command name (which may hold spaces and parentheses, hence the last ')'):
     * state, ppid, ..., utime (14th field of the line), stime, cutime, cstime.
     */
    static ProcStat parse(long pid, String line) {
        String[] f = line.substring(line.lastIndexOf(')') + 2).trim().split(" ");
        long utime = Long.parseLong(f[11]);
        long stime = Long.parseLong(f[12]);
        long cutime = Long.parseLong(f[13]);
        long cstime = Long.parseLong(f[14]);
        return new ProcStat(pid, Long.parseLong(f[1]), (utime + stime) * MILLIS_PER_TICK,
                (cutime + cstime) * MILLIS_PER_TICK);
    }
}
