package org.stonescriptdb.gateway.testsupport;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One real PostgreSQL 17 (embedded, zonky binaries) per test JVM, started on first use and stopped by a
 * shutdown hook. Test classes share it, so each class uses database names of its own: a fixed platform name
 * with {@link #createDatabase(String)}, or a fresh {@code prefix_N} from {@link #newDatabase(String)}.
 *
 * <p>The server is a throw-away: fsync, synchronous commit and full-page writes are off, and its data directory
 * is on a RAM file system when there is one. The superuser {@value #SUPERUSER} logs in without a password (trust),
 * as the gateway does in the tests.
 */
public final class TestPostgres {

    public static final String HOST = "127.0.0.1";
    public static final String SUPERUSER = "postgres";
    public static final String MAINTENANCE_DATABASE = "postgres";

    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static volatile EmbeddedPostgres server;

    private TestPostgres() {
    }

    private static EmbeddedPostgres server() {
        EmbeddedPostgres s = server;
        if (s != null) return s;
        synchronized (TestPostgres.class) {
            if (server == null) {
                try {
                    EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                            // Room for pool tests and pgbench next to the gateway's own connections.
                            .setServerConfig("max_connections", "200")
                            .setServerConfig("fsync", "off")
                            .setServerConfig("synchronous_commit", "off")
                            .setServerConfig("full_page_writes", "off");
                    Path memory = inMemoryDirectory();
                    if (memory != null) builder.setDataDirectory(memory).setCleanDataDirectory(true);
                    EmbeddedPostgres started = builder.start();
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

    /**
     * Tests create dozens of databases; on a RAM file system creating them, checkpointing and removing the
     * data directory at exit cost almost nothing. Falls back to the default (system temp dir) elsewhere.
     */
    private static Path inMemoryDirectory() throws IOException {
        Path shm = Path.of("/dev/shm");
        if (!Files.isDirectory(shm) || !Files.isWritable(shm) || shm.toFile().getUsableSpace() < 2L * 1024 * 1024 * 1024) {
            return null;
        }
        return Files.createTempDirectory(shm, "gateway-test-pg-");
    }

    public static int port() {
        return server().getPort();
    }

    /** A JDBC URL straight to the backend, bypassing any gateway. */
    public static String directUrl(String database) {
        return "jdbc:postgresql://" + HOST + ":" + port() + "/" + database
                + "?sslmode=disable&connectTimeout=5&socketTimeout=60";
    }

    /** A superuser connection straight to the backend (for setup and for checking what the code under test did). */
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

    /** Creates a new, empty database named {@code prefix_N} and returns its name. */
    public static String newDatabase(String prefix) {
        String name = prefix + "_" + COUNTER.incrementAndGet();
        // FILE_COPY clones template1 without WAL-logging every block: much faster for many small test databases.
        execute(MAINTENANCE_DATABASE, "CREATE DATABASE " + name + " STRATEGY FILE_COPY");
        return name;
    }

    /** A name for {@link #newDatabase}'s kind of database that no other call returns (for clones made elsewhere). */
    public static String uniqueName(String prefix) {
        return prefix + "_" + COUNTER.incrementAndGet();
    }

    /** Runs SQL straight on the backend in the given database. */
    public static void execute(String database, String... sql) {
        String current = null;
        try (Connection c = direct(database); Statement st = c.createStatement()) {
            for (String s : sql) {
                current = s;
                st.execute(s);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("setup SQL failed in " + database + ": " + current + ": " + e.getMessage(), e);
        }
    }

    /** First column of the first row, as text (null when no row). */
    public static String queryOne(String database, String sql) {
        try (Connection c = direct(database); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        } catch (SQLException e) {
            throw new IllegalStateException("test query failed on " + database + ": " + sql, e);
        }
    }

    /**
     * Waits up to 5 s until a query containing {@code fragment} runs on {@code database} (a cancel sent before it
     * starts would find nothing to stop).
     */
    public static void awaitActiveQuery(String database, String fragment) {
        Await.until(Duration.ofSeconds(5), () -> activeQueries(database, fragment) > 0,
                "a query containing '" + fragment + "' running on " + database);
    }

    /** Queries containing {@code fragment} running now on {@code database}, other than the caller's own. */
    public static int activeQueries(String database, String fragment) {
        try (Connection c = direct(MAINTENANCE_DATABASE);
             PreparedStatement ps = c.prepareStatement("select count(*) from pg_stat_activity where datname = ? and state = 'active'"
                     + " and pid <> pg_backend_pid() and strpos(query, ?) > 0")) {
            ps.setString(1, database);
            ps.setString(2, fragment);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
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
