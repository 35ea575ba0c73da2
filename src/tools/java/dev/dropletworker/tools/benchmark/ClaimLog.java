package dev.dropletworker.tools.benchmark;

import dev.dropletworker.tools.ground.PostgresServer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How long the worker's claim statement ({@code JobStore.claimDue}) takes in PostgreSQL, as the
 * worker runs it: for a while every statement's duration is logged, then the executions of the
 * claim are picked out of the server's log. Measured this way rather than with an EXPLAIN ANALYZE
 * of a copy of the SQL, which would go stale as the claim changes and would not see the
 * parameters the worker really passes (the accounts it skips, its batch size).
 *
 * <p>Logging every statement costs the database CPU too, so a span measured for CPU must not
 * overlap one measured here.
 */
final class ClaimLog {

    /** The claim is the statement that moves jobs to SUBMITTING (lease expiry moves them back). */
    private static final Pattern CLAIM = Pattern.compile("update\\s+job\\s+set\\s+state\\s*=\\s*'SUBMITTING'",
            Pattern.CASE_INSENSITIVE);
    /** {@code log_line_prefix} as set here: {@code 2026-08-09 10:11:12.345 UTC [4242] }. */
    private static final Pattern ENTRY =
            Pattern.compile("^\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}\\.\\d{3} \\S+ \\[\\d+\\] ");
    /** Only the execute step: with the extended protocol, parse and bind are logged on their own. */
    private static final Pattern EXECUTE = Pattern.compile("LOG:  duration: ([0-9.]+) ms  execute [^:]*: ");

    private final PostgresServer postgres;
    private final Path log;

    private ClaimLog(PostgresServer postgres, Path log) {
        this.postgres = postgres;
        this.log = log;
    }

    /** Only the embedded server's log can be read. */
    static Optional<ClaimLog> of(PostgresServer postgres) {
        return postgres.serverLog().map(log -> new ClaimLog(postgres, log));
    }

    /** The claim's execution times over the next {@code span}. */
    Percentiles during(Duration span) throws SQLException, IOException, InterruptedException {
        long from = Files.size(log);
        logEveryStatement(true);
        try {
            Thread.sleep(span.toMillis());
        } finally {
            logEveryStatement(false);
        }
        // A reload reaches each backend at its next command: give the last lines time to land.
        Thread.sleep(500);
        return new Percentiles(claimDurations(readFrom(from)));
    }

    private void logEveryStatement(boolean on) throws SQLException {
        try (Connection c = postgres.superuserConnection(); Statement s = c.createStatement()) {
            if (on) {
                s.execute("alter system set log_line_prefix = '%m [%p] '");
                s.execute("alter system set log_min_duration_statement = 0");
            } else {
                s.execute("alter system reset log_min_duration_statement");
            }
            s.execute("select pg_reload_conf()");
        }
    }

    private List<String> readFrom(long offset) throws IOException {
        try (InputStream in = Files.newInputStream(log)) {
            in.skipNBytes(offset);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        }
    }

    /** Milliseconds of each claim execution in these log lines (a statement spans lines until the next entry). */
    static List<Double> claimDurations(List<String> lines) {
        List<Double> durations = new ArrayList<>();
        Double current = null;
        StringBuilder statement = new StringBuilder();
        for (String line : lines) {
            if (ENTRY.matcher(line).find()) {
                if (current != null && CLAIM.matcher(statement).find()) {
                    durations.add(current);
                }
                Matcher execute = EXECUTE.matcher(line);
                current = execute.find() ? Double.valueOf(execute.group(1)) : null;
                statement.setLength(0);
            }
            statement.append(line).append('\n');
        }
        if (current != null && CLAIM.matcher(statement).find()) {
            durations.add(current);
        }
        return durations;
    }
}
