package org.stonescriptdb.gateway.schema.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.stonescriptdb.gateway.schema.SchemaEngine;
import org.stonescriptdb.gateway.schema.deploy.ConnectionSource;
import org.stonescriptdb.gateway.schema.deploy.DeployOptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One real PostgreSQL 17 (embedded binaries) per test JVM, started on first use; every test gets fresh
 * databases from {@link #createDatabase(String)}, so tests never see each other's schema.
 */
public final class TestPostgres {

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
                            .setServerConfig("max_connections", "100")
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
                    }, "schema-engine-test-postgres-stop"));
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
        return Files.createTempDirectory(shm, "schema-engine-test-pg-");
    }

    public static int port() {
        return server().getPort();
    }

    public static ConnectionSource connections() {
        return ConnectionSource.jdbc("127.0.0.1", port(), "postgres", null);
    }

    public static Connection connect(String database) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", "postgres");
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port() + "/" + database, p);
    }

    /** Creates a new, empty database named {@code prefix_N} and returns its name. */
    public static String createDatabase(String prefix) {
        String name = prefix + "_" + COUNTER.incrementAndGet();
        // FILE_COPY clones template1 without WAL-logging every block: much faster for many small test databases.
        execute("postgres", "CREATE DATABASE " + name + " STRATEGY FILE_COPY");
        return name;
    }

    private static volatile String clinicTemplate;

    /**
     * A new database holding the clinic bundle as a first deploy leaves it, cloned from a template deployed
     * once per JVM: cheaper than deploying again for every test that starts from a deployed database.
     */
    public static String createDeployedClinicDatabase(String prefix) {
        String template = clinicTemplate;
        if (template == null) {
            synchronized (TestPostgres.class) {
                if (clinicTemplate == null) {
                    String name = createDatabase("clinic_template");
                    var result = new SchemaEngine(connections())
                            .deploy(TestBundles.clinic(), name, DeployOptions.DEFAULT);
                    if (result.failure() != null) throw new IllegalStateException("clinic template deploy failed: " + result);
                    clinicTemplate = name;
                }
                template = clinicTemplate;
            }
        }
        String name = prefix + "_" + COUNTER.incrementAndGet();
        // Cloning needs the template to have no sessions; the engine closes its connections, and so do tests.
        synchronized (TestPostgres.class) {
            execute("postgres", "CREATE DATABASE " + name + " TEMPLATE " + template + " STRATEGY FILE_COPY");
        }
        return name;
    }

    public static void execute(String database, String sql) {
        try (Connection c = connect(database); Statement st = c.createStatement()) {
            st.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("test setup SQL failed on " + database + ": " + sql, e);
        }
    }

    /** First column of the first row, as text (null when no row). */
    public static String queryOne(String database, String sql) {
        try (Connection c = connect(database); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        } catch (SQLException e) {
            throw new IllegalStateException("test query failed on " + database + ": " + sql, e);
        }
    }
}
