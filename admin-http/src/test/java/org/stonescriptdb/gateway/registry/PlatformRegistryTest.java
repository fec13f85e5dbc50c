package org.stonescriptdb.gateway.registry;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.stonescriptdb.gateway.app.ControlPool;
import org.stonescriptdb.gateway.support.TestBackend;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The registry's record of a platform's databases, on the real control database. */
class PlatformRegistryTest {

    private static HikariDataSource maintenance;
    private static ControlDatabase control;
    private static PlatformRegistry registry;

    @BeforeAll
    static void open() {
        maintenance = ControlPool.create(TestBackend.target());
        control = ControlDatabase.open(TestBackend.target(), new BackendDatabases(maintenance), Duration.ofSeconds(5));
        registry = new PlatformRegistry(control, new ObjectMapper());
    }

    @AfterAll
    static void close() {
        control.close();
        maintenance.close();
    }

    @Test
    void aDatabaseOfAPlatformNotYetKnownIsRecordedWithItsPlatformInOneGo() throws Exception {
        registry.recordDatabase("regnew_t1", "regnew", "t1", "default", 3);

        assertThat(registry.platformExists("regnew")).isTrue();
        assertThat(registry.databases("regnew")).singleElement().satisfies(d -> {
            assertThat(d.name()).isEqualTo("regnew_t1");
            assertThat(d.type()).isEqualTo("tenant");
            assertThat(d.tenantId()).isEqualTo("t1");
            assertThat(d.schemaName()).isEqualTo("default");
            assertThat(d.schemaVersion()).isEqualTo(3);
        });
    }

    @Test
    void recordingADatabaseAgainChangesOnlyWhatIsGivenAndNullKeepsTheStoredValue() throws Exception {
        registry.recordDatabase("regupd_main", "regupd", null, "default", 1);
        registry.recordDatabase("regupd_main", "regupd", null, "default", 2);
        assertThat(version("regupd_main")).isEqualTo(2);

        registry.recordDatabase("regupd_main", "regupd", null, null, null);
        assertThat(registry.databases("regupd")).singleElement().satisfies(d -> {
            assertThat(d.schemaName()).isEqualTo("default");
            assertThat(d.schemaVersion()).isEqualTo(2);
            assertThat(d.type()).isEqualTo("main");
        });

        registry.recordDatabase("regupd_main", "regupd", null, "tenant", null);
        assertThat(registry.databases("regupd")).singleElement().satisfies(d -> {
            assertThat(d.schemaName()).isEqualTo("tenant");
            assertThat(d.schemaVersion()).isEqualTo(2);
        });
    }

    /**
     * After an unchanged re-deploy every tenant is recorded again with what it already has: that must cost no write
     * (no transaction id, no WAL to flush at commit), or a fan-out to 500 tenants commits 500 writes for nothing.
     */
    @Test
    void recordingADatabaseAsItAlreadyIsWritesNothing() throws Exception {
        List<String> names = new ArrayList<>();
        for (int i = 1; i <= 20; i++) {
            names.add("regsame_t" + i);
            registry.recordDatabase("regsame_t" + i, "regsame", "t" + i, "default", 7);
        }
        List<Long> before = rowVersions("regsame");
        long nextXid = nextTransactionId();

        for (int i = 1; i <= 20; i++) {
            registry.recordDatabase("regsame_t" + i, "regsame", "t" + i, "default", 7);
            registry.recordDatabase("regsame_t" + i, "regsame", "t" + i, null, null);
        }

        assertThat(rowVersions("regsame")).isEqualTo(before);
        // 40 calls: without a write none of them takes a transaction id (a few from elsewhere are allowed for).
        assertThat(nextTransactionId() - nextXid).isLessThan(5);
        assertThat(registry.databases("regsame")).extracting(PlatformRegistry.Database::name).containsExactlyInAnyOrderElementsOf(names);
    }

    private static Integer version(String database) throws SQLException {
        try (Connection c = control.dataSource().getConnection();
             PreparedStatement s = c.prepareStatement("SELECT schema_version FROM databases WHERE name = ?")) {
            s.setString(1, database);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? rs.getInt(1) : null;
            }
        }
    }

    /** Each row's xmin: it changes when the row is updated. */
    private static List<Long> rowVersions(String platform) throws SQLException {
        List<Long> out = new ArrayList<>();
        try (Connection c = control.dataSource().getConnection();
             PreparedStatement s = c.prepareStatement("SELECT xmin::text::bigint FROM databases WHERE platform = ? ORDER BY name")) {
            s.setString(1, platform);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) out.add(rs.getLong(1));
            }
        }
        return out;
    }

    /** The server's next transaction id; reading it takes none. */
    private static long nextTransactionId() throws SQLException {
        try (Connection c = control.dataSource().getConnection();
             PreparedStatement s = c.prepareStatement("SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint");
             ResultSet rs = s.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
