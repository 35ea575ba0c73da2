package dev.dropletworker.tools.ground;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class PostgresServerTest {

    private static PostgresServer postgres;

    @BeforeAll
    static void startPostgres() {
        postgres = PostgresServer.start();
    }

    @AfterAll
    static void stopPostgres() {
        postgres.close();
    }

    @Test
    void rowInsertedIsSelectedBack() throws Exception {
        try (Connection connection = DriverManager.getConnection(postgres.jdbcUrl(), postgres.username(), postgres.password());
                Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE IF NOT EXISTS ground_smoke (id bigint PRIMARY KEY, name text NOT NULL)");
            statement.execute("DELETE FROM ground_smoke");
            statement.execute("INSERT INTO ground_smoke (id, name) VALUES (123, 'web-1')");

            try (ResultSet rows = statement.executeQuery("SELECT name, current_database(), version() FROM ground_smoke WHERE id = 123")) {
                assertTrue(rows.next());
                assertEquals("web-1", rows.getString(1));
                if (postgres.isEmbedded()) {
                    assertEquals(PostgresServer.DATABASE, rows.getString(2));
                }
                assertTrue(rows.getString(3).startsWith("PostgreSQL"), rows.getString(3));
            }
            statement.execute("DROP TABLE ground_smoke");
        }
    }

    @Test
    void skipLockedClaimingIsSupported() throws Exception {
        // The worker claims jobs with FOR UPDATE SKIP LOCKED; a second transaction must skip the locked row.
        try (Connection first = DriverManager.getConnection(postgres.jdbcUrl(), postgres.username(), postgres.password());
                Connection second = DriverManager.getConnection(postgres.jdbcUrl(), postgres.username(), postgres.password())) {
            try (Statement setup = first.createStatement()) {
                setup.execute("CREATE TABLE IF NOT EXISTS ground_claims (id bigint PRIMARY KEY)");
                setup.execute("DELETE FROM ground_claims");
                setup.execute("INSERT INTO ground_claims VALUES (1), (2)");
            }
            first.setAutoCommit(false);
            second.setAutoCommit(false);
            try (Statement a = first.createStatement(); Statement b = second.createStatement();
                    ResultSet claimedByFirst = a.executeQuery("SELECT id FROM ground_claims ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED")) {
                assertTrue(claimedByFirst.next());
                assertEquals(1, claimedByFirst.getLong(1));
                try (ResultSet claimedBySecond = b.executeQuery("SELECT id FROM ground_claims ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED")) {
                    assertTrue(claimedBySecond.next());
                    assertEquals(2, claimedBySecond.getLong(1));
                }
            }
            first.rollback();
            second.rollback();
            first.setAutoCommit(true);
            try (Statement cleanup = first.createStatement()) {
                cleanup.execute("DROP TABLE ground_claims");
            }
        }
    }
}
