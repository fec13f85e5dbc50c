package org.stonescriptdb.gateway.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.stonescriptdb.gateway.config.BackendTarget;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;

/**
 * One real PostgreSQL 17 (embedded, zonky binaries) per test JVM, started on first use and stopped by a
 * shutdown hook. Test classes share it, so each class uses its own platform name for its databases.
 */
public final class TestPostgres {

    public static final String SUPERUSER = "postgres";
    public static final String MAINTENANCE_DATABASE = "postgres";

    private static volatile EmbeddedPostgres server;

    private TestPostgres() {
    }

    private static EmbeddedPostgres server() {
        EmbeddedPostgres s = server;
        if (s != null) return s;
        synchronized (TestPostgres.class) {
            if (server == null) {
                try {
                    EmbeddedPostgres started = EmbeddedPostgres.builder()
                            // Room for pool tests and pgbench next to the gateway's own connections.
                            .setServerConfig("max_connections", "200")
                            .start();
                    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                        try {
                            started.close();
                        } catch (IOException ignored) {
                            // the JVM is exiting anyway
                        }
                    }, "test-postgres-stop"));
                    server = started;
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot start embedded PostgreSQL", e);
                }
            }
            return server;
        }
    }

    public static int port() {
        return server().getPort();
    }

    /** The backend as the gateway sees it: the gateway logs in as the superuser with no password (trust). */
    public static BackendTarget backendTarget() {
        return new BackendTarget("127.0.0.1", port(), MAINTENANCE_DATABASE, SUPERUSER, "");
    }

    /** A JDBC URL straight to the backend, bypassing the gateway. */
    public static String directUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port() + "/" + database
                + "?sslmode=disable&connectTimeout=5&socketTimeout=60";
    }

    /** A superuser connection straight to the backend (for setup and for checking what the gateway did). */
    public static Connection direct(String database) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", SUPERUSER);
        return DriverManager.getConnection(directUrl(database), p);
    }

    /** Creates the database unless it exists. */
    public static void createDatabase(String name) {
        if (!name.matches("[a-z][a-z0-9_]*")) throw new IllegalArgumentException("test database names are plain identifiers: " + name);
        try (Connection c = direct(MAINTENANCE_DATABASE)) {
            try (PreparedStatement ps = c.prepareStatement("select 1 from pg_database where datname = ?")) {
                ps.setString(1, name);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) return;
                }
            }
            try (Statement st = c.createStatement()) {
                st.execute("create database " + name);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create database " + name + ": " + e.getMessage(), e);
        }
    }

    /** Runs SQL straight on the backend in the given database. */
    public static void execute(String database, String... sql) {
        try (Connection c = direct(database); Statement st = c.createStatement()) {
            for (String s : sql) st.execute(s);
        } catch (SQLException e) {
            throw new IllegalStateException("setup SQL failed in " + database + ": " + e.getMessage(), e);
        }
    }

    /**
     * Waits up to 5 s until a query containing {@code fragment} runs on {@code database} (a cancel sent before it
     * starts would find nothing to stop).
     */
    public static void awaitActiveQuery(String database, String fragment) {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        try (Connection c = direct(MAINTENANCE_DATABASE);
             PreparedStatement ps = c.prepareStatement("select count(*) from pg_stat_activity where datname = ? and state = 'active'"
                     + " and pid <> pg_backend_pid() and strpos(query, ?) > 0")) {
            ps.setString(1, database);
            ps.setString(2, fragment);
            while (System.nanoTime() < deadline) {
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (rs.getInt(1) > 0) return;
                }
                Thread.sleep(20);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        throw new AssertionError("no query containing '" + fragment + "' started on " + database + " within 5 s");
    }

    /** Sessions on the backend connected to the database, other than the caller's own. */
    public static int backendSessions(String database) {
        try (Connection c = direct(MAINTENANCE_DATABASE);
             PreparedStatement ps = c.prepareStatement(
                     "select count(*) from pg_stat_activity where datname = ? and pid <> pg_backend_pid()")) {
            ps.setString(1, database);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
