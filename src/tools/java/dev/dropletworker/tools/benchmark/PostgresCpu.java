package dev.dropletworker.tools.benchmark;

import dev.dropletworker.tools.ground.ProcStat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * CPU time the whole PostgreSQL server has used: the postmaster itself, the backends and workers
 * that ended (which the postmaster waited for, so the kernel adds them to its children's times),
 * and those alive now. Differences between two readings give the database's CPU over a span,
 * whichever connections came and went. The benchmark's own queries count too, so it makes none
 * during a span it measures.
 */
final class PostgresCpu {

    private final long postmasterPid;

    private PostgresCpu(long postmasterPid) {
        this.postmasterPid = postmasterPid;
    }

    /** The server a backend belongs to (its parent is the postmaster); empty without {@code /proc}. */
    static Optional<PostgresCpu> ofBackend(long backendPid) {
        return ProcStat.of(backendPid).map(backend -> new PostgresCpu(backend.ppid()));
    }

    /** Milliseconds of CPU (user plus system) used by the server since it started; -1 if it is gone. */
    long millis() {
        Optional<ProcStat> postmaster = ProcStat.of(postmasterPid);
        if (postmaster.isEmpty()) {
            return -1;
        }
        long total = postmaster.get().ownMillis() + postmaster.get().reapedMillis();
        try (Stream<Path> processes = Files.list(Path.of("/proc"))) {
            total += processes.map(p -> p.getFileName().toString())
                    .filter(name -> name.chars().allMatch(Character::isDigit))
                    .map(name -> ProcStat.of(Long.parseLong(name))).flatMap(Optional::stream)
                    .filter(p -> p.ppid() == postmasterPid).mapToLong(ProcStat::ownMillis).sum();
        } catch (IOException e) {
            return -1;
        }
        return total;
    }
}
