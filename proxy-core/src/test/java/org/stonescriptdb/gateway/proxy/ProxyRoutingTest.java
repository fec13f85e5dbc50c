package org.stonescriptdb.gateway.proxy;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.stonescriptdb.gateway.config.Cidr;
import org.stonescriptdb.gateway.testing.GatewayHarness;
import org.stonescriptdb.gateway.testsupport.TestPostgres;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** Routing by database name, refusal of unknown and non-platform names, admission by source address. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ProxyRoutingTest {

    private static final String MAIN = "rtg_main";
    private static final String ACME = "rtg_acme";
    private static final String GLOBEX = "rtg_globex";
    private static GatewayHarness gateway;

    @BeforeAll
    static void startGateway() throws Exception {
        for (String db : List.of(MAIN, ACME, GLOBEX)) {
            TestPostgres.createDatabase(db);
            TestPostgres.execute(db,
                    "create table if not exists customers (name text)",
                    "truncate customers",
                    "insert into customers values ('" + db + " customer')");
        }
        gateway = GatewayHarness.start();
    }

    @AfterAll
    static void stopGateway() {
        if (gateway != null) gateway.close();
    }

    @Test
    void eachTenantSeesOnlyItsOwnData() throws SQLException {
        try (Connection acme = gateway.connect(ACME); Connection globex = gateway.connect(GLOBEX); Connection main = gateway.connect(MAIN)) {
            assertThat(rows(acme, "select current_database()")).containsExactly(ACME);
            assertThat(rows(globex, "select current_database()")).containsExactly(GLOBEX);
            assertThat(rows(main, "select current_database()")).containsExactly(MAIN);
            assertThat(rows(acme, "select name from customers")).containsExactly(ACME + " customer");
            assertThat(rows(globex, "select name from customers")).containsExactly(GLOBEX + " customer");

            // A write in one tenant is invisible in the other, even with both sessions open at once.
            try (Statement st = acme.createStatement()) {
                st.executeUpdate("insert into customers values ('only in acme')");
            }
            assertThat(rows(globex, "select name from customers")).containsExactly(GLOBEX + " customer");
            assertThat(rows(acme, "select count(*) from customers")).containsExactly("2");
            try (Statement st = acme.createStatement()) {
                st.executeUpdate("delete from customers where name = 'only in acme'");
            }
        }
    }

    @Test
    void anUnknownPlatformDatabaseIsRefusedWith3D000() {
        SQLException e = catchThrowableOfType(SQLException.class, () -> gateway.connect("rtg_nosuchtenant").close());
        assertThat((Throwable) e).as("connecting to a database that does not exist").isNotNull();
        assertThat(e.getSQLState()).isEqualTo("3D000");
        assertThat(e.getMessage()).contains("database \"rtg_nosuchtenant\" does not exist");

        SQLException unknownPlatform = catchThrowableOfType(SQLException.class, () -> gateway.connect("nosuchplatform_main").close());
        assertThat((Throwable) unknownPlatform).isNotNull();
        assertThat(unknownPlatform.getSQLState()).isEqualTo("3D000");
        assertThat(unknownPlatform.getMessage()).contains("database \"nosuchplatform_main\" does not exist");
    }

    @ParameterizedTest
    @ValueSource(strings = {"postgres", "template1", "template0", "Rtg_main", "rtg"})
    void aNameThatIsNotAPlatformDatabaseIsRefusedWith3D000(String name) {
        SQLException e = catchThrowableOfType(SQLException.class, () -> gateway.connect(name).close());
        assertThat((Throwable) e).as("connecting to " + name).isNotNull();
        assertThat(e.getSQLState()).isEqualTo("3D000");
        assertThat(e.getMessage()).contains("database \"" + name + "\" does not exist");
    }

    @Test
    void aDatabaseAnnouncedAfterStartIsRouted() throws SQLException {
        String db = "rtg_late";
        TestPostgres.createDatabase(db);
        gateway.proxy().databaseCreated(db);
        try (Connection c = gateway.connect(db)) {
            assertThat(rows(c, "select current_database()")).containsExactly(db);
        }
    }

    @Test
    void aDatabaseCreatedBehindTheGatewaysBackIsFoundOnAMiss() throws Exception {
        // A separate gateway, so no earlier miss in this class has used up the refresh rate limit.
        String db = "rtg_behind";
        try (GatewayHarness fresh = GatewayHarness.start()) {
            TestPostgres.createDatabase(db);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            SQLException last = null;
            while (System.nanoTime() < deadline) {
                try (Connection c = fresh.connect(db)) {
                    assertThat(rows(c, "select current_database()")).containsExactly(db);
                    return;
                } catch (SQLException e) {
                    assertThat(e.getSQLState()).isEqualTo("3D000");
                    last = e;
                    Thread.sleep(500); // already a wait on the condition (the connect succeeds); this paces the misses
                }
            }
            throw new AssertionError("the registry never picked up " + db, last);
        }
    }

    @Test
    void aStartupSearchPathIsNeverInterpolatedIntoSql() throws SQLException {
        // CVE-2025-12819 class of bug: a pooler that builds "SET search_path = '<value>'" by concatenation.
        Properties p = GatewayHarness.clientProperties();
        p.setProperty("currentSchema", "public'; drop table customers; --");
        try (Connection c = gateway.connect(ACME, p)) {
            rows(c, "select 1");
        } catch (SQLException refused) {
            // Refusing the odd value is fine; executing it is not.
        }
        try (Connection direct = TestPostgres.direct(ACME)) {
            assertThat(rows(direct, "select to_regclass('public.customers') is not null")).containsExactly("t");
        }
    }

    @Test
    void aClientOutsideAllowedNetworksIsRefusedWith28000BeforeAnyBackendWork() throws Exception {
        try (GatewayHarness strict = GatewayHarness.start(c -> c.withAllowedNetworks(List.of(Cidr.parse("127.0.0.1/32"))))) {
            Properties p = GatewayHarness.clientProperties();
            p.setProperty("localSocketAddress", "127.0.0.2");
            SQLException e = catchThrowableOfType(SQLException.class, () -> strict.connect(ACME, p).close());
            assertThat((Throwable) e).as("connecting from 127.0.0.2").isNotNull();
            assertThat(e.getSQLState()).isEqualTo("28000");
            assertThat(e.getMessage()).contains("no gateway access for host \"127.0.0.2\"");
            assertThat(strict.proxy().stats().totalConnections()).as("backend connections opened for a refused client").isZero();

            // Refused also for a database that does not exist: admission does not reveal which names exist.
            SQLException unknown = catchThrowableOfType(SQLException.class, () -> strict.connect("rtg_nosuch", p).close());
            assertThat((Throwable) unknown).isNotNull();
            assertThat(unknown.getSQLState()).isEqualTo("28000");

            // The allowed address still gets in.
            Properties ok = GatewayHarness.clientProperties();
            ok.setProperty("localSocketAddress", "127.0.0.1");
            try (Connection c = strict.connect(ACME, ok)) {
                assertThat(rows(c, "select current_database()")).containsExactly(ACME);
            }
        }
    }

    static List<String> rows(Connection c, String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) out.add(rs.getString(1));
        }
        return out;
    }
}
