package dev.dropletworker.tools.benchmark;

import dev.dropletworker.tools.ground.PostgresServer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The worker's own tables read over JDBC, for figures only the worker knows: when it recorded a
 * command, when it sent the POST, when it saw the action finished and when it published the
 * event. Read-only, but for the account pause that ends a window.
 */
final class WorkerDatabase implements AutoCloseable {

    /**
     * What became of the jobs whose POST went out in a window. A job back in RECEIVED with its
     * sent_at in the window was handed back (the worker stamps sent_at before it takes the budget,
     * so a job that found the budget gone carries one too) and is not counted as posted: under
     * the pause it would never be answered.
     */
    record WindowJobs(long posted, Map<String, Long> byState, long unanswered, long handedBack) {

        long completed() {
            return byState.getOrDefault("COMPLETED", 0L);
        }
    }

    private final Connection connection;

    WorkerDatabase(PostgresServer postgres) throws SQLException {
        connection = DriverManager.getConnection(postgres.jdbcUrl(), postgres.username(), postgres.password());
        connection.setAutoCommit(true);
    }

    /** When the worker sent its first POST; empty before it has. */
    Optional<Instant> firstPostAt() throws SQLException {
        try (PreparedStatement s = connection.prepareStatement("select min(sent_at) from job");
                ResultSet r = s.executeQuery()) {
            r.next();
            return Optional.ofNullable(r.getTimestamp(1)).map(Timestamp::toInstant);
        }
    }

    /**
     * Pauses the account as an operator would (dispatch claims none of its jobs, polls
     * and events go on), so no new POST goes out after a window.
     */
    void pause(String account) throws SQLException {
        try (PreparedStatement s = connection.prepareStatement("""
                insert into account_pause (account, paused_at, paused_by, reason)
                values (?, now(), 'benchmark', 'window over: drain') on conflict do nothing""")) {
            s.setString(1, account);
            s.executeUpdate();
        }
    }

    /** The jobs whose (latest) POST went out in {@code [from, to)}: their states and how many await their event. */
    WindowJobs windowJobs(Instant from, Instant to) throws SQLException {
        Map<String, Long> byState = new TreeMap<>();
        long posted = 0;
        long unanswered = 0;
        long handedBack = 0;
        try (PreparedStatement s = connection.prepareStatement("""
                select j.state, count(*), count(*) filter (where e.sent_at is null)
                from job j left join outbox_event e on e.job_id = j.id
                where j.sent_at >= ? and j.sent_at < ?
                group by j.state""")) {
            s.setTimestamp(1, Timestamp.from(from));
            s.setTimestamp(2, Timestamp.from(to));
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    byState.put(r.getString(1), r.getLong(2));
                    if (r.getString(1).equals("RECEIVED")) {
                        handedBack += r.getLong(2);
                    } else {
                        posted += r.getLong(2);
                        unanswered += r.getLong(3);
                    }
                }
            }
        }
        return new WindowJobs(posted, byState, unanswered, handedBack);
    }

    /** Jobs whose POST went out at or after {@code at} (after a window: what the pause did not hold back). */
    long postedSince(Instant at) throws SQLException {
        try (PreparedStatement s = connection.prepareStatement("select count(*) from job where sent_at >= ?")) {
            s.setTimestamp(1, Timestamp.from(at));
            return single(s);
        }
    }

    /** Commands the worker has taken in (every job row). */
    long jobs() throws SQLException {
        try (PreparedStatement s = connection.prepareStatement("select count(*) from job")) {
            return single(s);
        }
    }

    /** Jobs not yet claimed: the backlog. */
    long waiting() throws SQLException {
        try (PreparedStatement s = connection.prepareStatement("select count(*) from job where state = 'RECEIVED'")) {
            return single(s);
        }
    }

    /** Command recorded → POST sent, per job that sent one, in milliseconds. */
    List<Double> receivedToSentMillis() throws SQLException {
        return millis("select extract(epoch from (sent_at - received_at)) * 1000 from job where sent_at is not null");
    }

    /**
     * As {@link #receivedToSentMillis}, for the later half of the jobs by the time their command was
     * recorded: under an offer the pod keeps up with, the ones the JIT has compiled the way for.
     */
    List<Double> receivedToSentMillisOfLaterHalf() throws SQLException {
        return millis("""
                select extract(epoch from (sent_at - received_at)) * 1000 from (
                    select sent_at, received_at, row_number() over (order by received_at, id) as n,
                           count(*) over () as jobs
                    from job where sent_at is not null) sent
                where n > jobs / 2""");
    }

    /** Action seen finished (job ended) → event published, per published event, in milliseconds. */
    List<Double> finishedToPublishedMillis() throws SQLException {
        return millis("""
                select extract(epoch from (e.sent_at - j.finished_at)) * 1000
                from outbox_event e join job j on j.id = e.job_id
                where e.sent_at is not null and j.finished_at is not null""");
    }

    /** The CPU meter of the server this connection is on; empty when it is not on this machine. */
    Optional<PostgresCpu> cpu() throws SQLException {
        try (PreparedStatement s = connection.prepareStatement("select pg_backend_pid()")) {
            return PostgresCpu.ofBackend(single(s));
        }
    }

    private List<Double> millis(String sql) throws SQLException {
        List<Double> values = new ArrayList<>();
        try (PreparedStatement s = connection.prepareStatement(sql); ResultSet r = s.executeQuery()) {
            while (r.next()) {
                values.add(r.getDouble(1));
            }
        }
        return values;
    }

    private static long single(PreparedStatement s) throws SQLException {
        try (ResultSet r = s.executeQuery()) {
            r.next();
            return r.getLong(1);
        }
    }

    @Override
    public void close() throws SQLException {
        connection.close();
    }
}
