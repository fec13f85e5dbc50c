package org.stonescriptdb.gateway.registry;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.stonescriptdb.gateway.auth.BackendLogins;
import org.stonescriptdb.gateway.config.BackendTarget;
import org.stonescriptdb.gateway.support.TestBackend;
import org.stonescriptdb.gateway.testsupport.Await;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The side-port's pooled connections against a real PostgreSQL: what happens between two pieces of work. */
class DatabaseConnectionsTest {

    private static final String DB = "gateway_connections_test";
    private static BackendTarget pg;

    @BeforeAll
    static void database() throws Exception {
        pg = TestBackend.target();
        try (Connection c = direct("postgres"); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + DB + "'")) {
            if (!rs.next()) s.execute("CREATE DATABASE " + DB);
        }
    }

    @Test
    void workSeesNeitherTheSessionStateNorTheTransactionOfEarlierWork() throws Exception {
        try (DatabaseConnections connections = new DatabaseConnections(pg, BackendLogins.shared(pg.login()), Duration.ofSeconds(5))) {
            int pid = connections.inTransaction(DB, c -> {
                try (Statement s = c.createStatement()) {
                    s.execute("CREATE TEMP TABLE leftover (x int)");
                    s.execute("SELECT set_config('search_path', 'nowhere', false)");
                }
                return pid(c);
            });
            connections.inTransaction(DB, c -> {
                assertThat(pid(c)).as("the same pooled connection").isEqualTo(pid);
                assertThat(c.getAutoCommit()).isFalse();
                assertThat(text(c, "SELECT current_setting('search_path')")).isEqualTo("\"$user\", public");
                assertThat(text(c, "SELECT count(*)::text FROM pg_class WHERE relname = 'leftover'")).isEqualTo("0");
                return null;
            });
        }
    }

    @Test
    void aDatabaseWhosePlatformHasNoRoleIsRefusedAndNeverReachedAsAnotherLogin() throws Exception {
        // Another platform's database, or one made behind the gateway's back: no login of its platform is known.
        BackendLogins onlyAnother = database -> database.equals("other_main") ? pg.login() : null;
        try (DatabaseConnections connections = new DatabaseConnections(pg, onlyAnother, Duration.ofSeconds(5))) {
            assertThatThrownBy(() -> connections.inTransaction(DB, DatabaseConnectionsTest::pid))
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining("database " + DB + " has no platform role")
                    .extracting(e -> ((SQLException) e).getSQLState()).isEqualTo("3D000");
        }
        assertThatThrownBy(() -> DatabaseConnections.platformLogin(onlyAnother, DB))
                .as("the schema deploys' connections are refused the same way")
                .isInstanceOf(SQLException.class).hasMessageContaining("has no platform role");
    }

    @Test
    void aConnectionThatCannotBeResetIsClosedNotReused() throws Exception {
        try (DatabaseConnections connections = new DatabaseConnections(pg, BackendLogins.shared(pg.login()), Duration.ofSeconds(5), Duration.ofSeconds(1));
             Connection other = direct(DB)) {
            other.setAutoCommit(false);
            int pid = connections.inTransaction(DB, c -> {
                try (Statement s = c.createStatement()) {
                    s.execute("CREATE TEMP TABLE held (x int)");
                }
                // The temporary table outlives the transaction, and another session locks it: the reset's DISCARD ALL,
                // which drops it, waits for that lock past the reset's timeout.
                c.commit();
                String schema = text(c, "SELECT pg_my_temp_schema()::regnamespace::text");
                try (Statement s = other.createStatement()) {
                    s.execute("LOCK TABLE " + schema + ".held IN ACCESS SHARE MODE");
                }
                return pid(c);
            });
            int next = connections.inTransaction(DB, DatabaseConnectionsTest::pid);
            assertThat(next).as("the connection that could not be reset is not handed out again").isNotEqualTo(pid);
            other.rollback();
            Await.within(Duration.ofSeconds(10), () -> {
                try {
                    return !alive(other, pid);
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            assertThat(alive(other, pid)).as("its backend is gone").isFalse();
        }
    }

    private static boolean alive(Connection c, int pid) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT 1 FROM pg_stat_activity WHERE pid = " + pid)) {
            boolean found = rs.next();
            c.rollback();
            return found;
        }
    }

    private static int pid(Connection c) throws SQLException {
        return Integer.parseInt(text(c, "SELECT pg_backend_pid()::text"));
    }

    private static String text(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static Connection direct(String database) throws SQLException {
        return DriverManager.getConnection(pg.jdbcUrl(database), pg.user(), pg.password());
    }
}
