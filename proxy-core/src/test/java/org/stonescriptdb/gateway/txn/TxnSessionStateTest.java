package org.stonescriptdb.gateway.txn;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.stonescriptdb.gateway.testing.GatewayHarness;
import org.stonescriptdb.gateway.testsupport.TestPostgres;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.postgresql.core.BaseConnection;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.stonescriptdb.gateway.txn.Txn.one;
import static org.stonescriptdb.gateway.txn.Txn.pid;

/** What counts as session state in transaction mode: what is replayed, what is transaction-local, what pins. */
@Timeout(value = 40, unit = TimeUnit.SECONDS)
class TxnSessionStateTest {

    private static final String DB = "txnstate_main";

    @BeforeAll
    static void createDatabase() {
        TestPostgres.createDatabase(DB);
    }

    /** Runs {@code sql} on {@code a} while {@code holder} keeps the backend {@code a} used last, so {@code a} moves. */
    private static String elsewhere(Connection a, Connection holder, String sql) throws SQLException {
        holder.setAutoCommit(false);
        try {
            int held = pid(holder);
            String out = one(a, sql);
            assertThat(pid(a)).as("a runs on another backend than the holder's").isNotEqualTo(held);
            return out;
        } finally {
            holder.commit();
            holder.setAutoCommit(true);
        }
    }

    @Test
    void setLocalSetTransactionAndARolledBackSetDoNotPinOrStick() throws Exception {
        try (GatewayHarness gw = Txn.gateway(2); Connection a = gw.connect(DB); Connection holder = gw.connect(DB)) {
            String zone = one(a, "show TimeZone");
            String workMem = one(a, "show work_mem");
            long pinned = gw.proxy().counters().pinnedSessions();
            a.setAutoCommit(false);
            try (Statement st = a.createStatement()) {
                st.execute("set local work_mem = '3MB'");
                st.execute("set transaction isolation level repeatable read");
                st.execute("select set_config('statement_timeout', '4s', true)");
                assertThat(one(a, "show work_mem")).isEqualTo("3MB");
            }
            a.commit();
            try (Statement st = a.createStatement()) {
                st.execute("set TimeZone = 'America/Lima'");
            }
            a.rollback();
            a.setAutoCommit(true);
            assertThat(gw.proxy().counters().pinnedSessions() - pinned).as("pins").isZero();
            assertThat(elsewhere(a, holder, "show work_mem")).isEqualTo(workMem);
            assertThat(elsewhere(a, holder, "show TimeZone")).as("a SET undone by ROLLBACK").isEqualTo(zone);
            assertThat(one(a, "show TimeZone")).isEqualTo(zone);
            assertThat(one(a, "show statement_timeout")).isEqualTo("0");
        }
    }

    @Test
    void startupOptionsAndSearchPathFollowTheClientToEveryBackend() throws Exception {
        TestPostgres.execute(DB, "create schema if not exists tenant_a", "create table if not exists tenant_a.marker (v text)",
                "truncate tenant_a.marker", "insert into tenant_a.marker values ('from tenant_a')");
        Properties p = GatewayHarness.clientProperties();
        p.setProperty("options", "-c statement_timeout=4321 -c lock_timeout=1234");
        p.setProperty("currentSchema", "tenant_a");
        try (GatewayHarness gw = Txn.gateway(2); Connection a = gw.connect(DB, p); Connection holder = gw.connect(DB)) {
            for (int i = 0; i < 3; i++) {
                assertThat(elsewhere(a, holder, "show statement_timeout")).isEqualTo("4321ms");
                assertThat(elsewhere(a, holder, "show lock_timeout")).isEqualTo("1234ms");
                assertThat(elsewhere(a, holder, "select v from marker")).isEqualTo("from tenant_a");
                assertThat(one(holder, "show statement_timeout")).as("not leaked to another client").isEqualTo("0");
                assertThat(one(holder, "select current_schemas(false)::text")).doesNotContain("tenant_a");
            }
        }
    }

    /**
     * A backend's defaults are the gateway's startup values; RESET must still return to the client's own startup values,
     * as it does on a direct connection — in what the server answers and in the ParameterStatus the driver keeps.
     */
    @ParameterizedTest(name = "preferQueryMode={0}")
    @ValueSource(strings = {"extended", "simple"})
    void resetReturnsToTheClientsStartupValuesAsOnADirectConnection(String queryMode) throws Exception {
        String settings = "select current_setting('TimeZone') || '|' || current_setting('application_name') || '|' "
                + "|| current_setting('DateStyle') || '|' || current_setting('statement_timeout')";
        Properties p = new Properties();
        p.setProperty("options", "-c statement_timeout=4321");
        p.setProperty("ApplicationName", "reset-client");
        p.setProperty("preferQueryMode", queryMode);
        p.setProperty("assumeMinServerVersion", "10"); // application_name in the startup packet, not SET after login
        Properties viaGateway = GatewayHarness.clientProperties();
        viaGateway.putAll(p);
        Properties direct = new Properties();
        direct.putAll(p);
        direct.setProperty("user", TestPostgres.SUPERUSER);
        List<String> resets = List.of("reset TimeZone", "reset time zone", "set TimeZone to default", "set time zone local",
                "reset application_name", "set application_name = default", "reset statement_timeout",
                "set statement_timeout to default", "reset all", "discard all");
        try (GatewayHarness gw = Txn.gateway(2);
             Connection d = DriverManager.getConnection(TestPostgres.directUrl(DB), direct);
             Connection a = gw.connect(DB, viaGateway);
             Connection holder = gw.connect(DB)) {
            String startup = one(d, settings);
            assertThat(startup).as("the startup values differ from the server's defaults").contains("reset-client", "4321ms");
            assertThat(one(a, settings)).isEqualTo(startup);
            long pins = gw.proxy().counters().pinnedSessions();
            for (String reset : resets) {
                for (Connection c : List.of(d, a)) {
                    try (Statement st = c.createStatement()) {
                        st.execute("set TimeZone = 'Asia/Kolkata'");
                        st.execute("set application_name = 'renamed'");
                        st.execute("set DateStyle = 'ISO, DMY'");
                        st.execute(reset);
                    }
                }
                String expected = one(d, settings);
                assertThat(one(a, settings)).as("after " + reset).isEqualTo(expected);
                assertThat(elsewhere(a, holder, settings)).as("after " + reset + ", on another backend").isEqualTo(expected);
                for (String reported : List.of("TimeZone", "application_name", "DateStyle")) {
                    assertThat(parameterStatus(a, reported)).as(reported + " as the driver saw it after " + reset)
                            .isEqualTo(parameterStatus(d, reported));
                }
            }
            assertThat(parameterStatus(a, "TimeZone")).isNotEqualTo("Asia/Kolkata");
            assertThat(gw.proxy().counters().pinnedSessions() - pins).as("pins").isZero();
            assertThat(one(holder, "show application_name")).as("not leaked to another client").isNotEqualTo("reset-client");
        }
    }

    /** A client that sent no application_name has the server's default, not the gateway's own name, as when direct. */
    @Test
    void withoutAnApplicationNameAtLoginTheClientHasTheServersDefault() throws Exception {
        Properties p = GatewayHarness.clientProperties();
        p.setProperty("assumeMinServerVersion", "10");
        Properties direct = new Properties();
        direct.setProperty("user", TestPostgres.SUPERUSER);
        direct.setProperty("assumeMinServerVersion", "10");
        try (GatewayHarness gw = Txn.gateway(2);
             Connection d = DriverManager.getConnection(TestPostgres.directUrl(DB), direct);
             Connection a = gw.connect(DB, p);
             Connection holder = gw.connect(DB)) {
            String expected = one(d, "show application_name");
            assertThat(one(a, "show application_name")).isEqualTo(expected);
            for (Connection c : List.of(d, a)) {
                try (Statement st = c.createStatement()) {
                    st.execute("set application_name = 'renamed'");
                    st.execute("reset application_name");
                }
            }
            assertThat(one(a, "show application_name")).isEqualTo(one(d, "show application_name")).isEqualTo(expected);
            assertThat(elsewhere(a, holder, "show application_name")).isEqualTo(expected);
            assertThat(parameterStatus(a, "application_name")).isEqualTo(parameterStatus(d, "application_name"));
        }
    }

    @Test
    void aResetInARolledBackTransactionOrAPreparedStatementBehavesAsOnADirectConnection() throws Exception {
        Properties p = GatewayHarness.clientProperties();
        p.setProperty("ApplicationName", "reset-client");
        p.setProperty("assumeMinServerVersion", "10");
        p.setProperty("prepareThreshold", "1");
        try (GatewayHarness gw = Txn.gateway(2); Connection a = gw.connect(DB, p); Connection holder = gw.connect(DB)) {
            try (Statement st = a.createStatement()) {
                st.execute("set application_name = 'renamed'");
            }
            a.setAutoCommit(false);
            try (Statement st = a.createStatement()) {
                st.execute("reset application_name");
                assertThat(one(a, "show application_name")).isEqualTo("reset-client");
            }
            a.rollback();
            a.setAutoCommit(true);
            assertThat(one(a, "show application_name")).as("the RESET was rolled back").isEqualTo("renamed");
            assertThat(parameterStatus(a, "application_name")).isEqualTo("renamed");
            // A named statement (prepareThreshold=1) that resets, executed again after its Parse: Bind…Sync only.
            try (PreparedStatement reset = a.prepareStatement("reset all")) {
                for (int i = 0; i < 3; i++) {
                    try (Statement st = a.createStatement()) {
                        st.execute("set application_name = 'renamed-" + i + "'");
                    }
                    reset.execute();
                    assertThat(one(a, "show application_name")).as("execution " + i).isEqualTo("reset-client");
                    assertThat(elsewhere(a, holder, "show application_name")).isEqualTo("reset-client");
                    assertThat(parameterStatus(a, "application_name")).isEqualTo("reset-client");
                }
            }
        }
    }

    private static String parameterStatus(Connection c, String name) throws SQLException {
        return c.unwrap(BaseConnection.class).getQueryExecutor().getParameterStatus(name);
    }

    @Test
    void sqlPrepareAndWithHoldCursorPinTheirBackend() throws Exception {
        try (GatewayHarness gw = Txn.gateway(2); Connection a = gw.connect(DB); Connection b = gw.connect(DB); Connection other = gw.connect(DB)) {
            long pinned = gw.proxy().counters().pinnedSessions();
            try (Statement st = a.createStatement()) {
                st.execute("prepare sq(int) as select $1 * 5");
            }
            int aPid = pid(a);
            assertThat(elsewhere(a, other, "execute sq(3)")).isEqualTo("15");
            assertThat(pid(a)).isEqualTo(aPid);
            b.setAutoCommit(false);
            try (Statement st = b.createStatement()) {
                st.execute("declare held cursor with hold for select g from generate_series(1, 10) g");
            }
            b.commit();
            b.setAutoCommit(true);
            int bPid = pid(b);
            assertThat(one(b, "fetch 1 from held")).isEqualTo("1");
            assertThat(one(b, "fetch 1 from held")).isEqualTo("2");
            assertThat(pid(b)).isEqualTo(bPid);
            assertThat(bPid).isNotEqualTo(aPid);
            assertThat(gw.proxy().counters().pinnedSessions() - pinned).isEqualTo(2);
            // a leaves: its backend is reset, and the only one left for others (b still holds its own).
            a.close();
            Txn.eventually(java.time.Duration.ofSeconds(5), () -> {
                String last = Txn.lastQueryOf(aPid);
                return last == null || last.equalsIgnoreCase("DISCARD ALL");
            });
            assertThat(one(other, "select count(*) from pg_prepared_statements where name = 'sq'")).isEqualTo("0");
            assertThat(pid(other)).isNotEqualTo(bPid);
            assertThat(one(other, "select count(*) from pg_cursors where name = 'held'")).isEqualTo("0");
        }
    }

    @Test
    void theSameStatementTextMeansDifferentTablesUnderDifferentSearchPaths() throws Exception {
        TestPostgres.execute(DB,
                "create schema if not exists shop_a", "create table if not exists shop_a.orders (owner text)",
                "truncate shop_a.orders", "insert into shop_a.orders values ('shop a')",
                "create schema if not exists shop_b", "create table if not exists shop_b.orders (owner text)",
                "truncate shop_b.orders", "insert into shop_b.orders values ('shop b')");
        Properties pa = GatewayHarness.clientProperties();
        pa.setProperty("currentSchema", "shop_a");
        pa.setProperty("prepareThreshold", "1");
        Properties pb = GatewayHarness.clientProperties();
        pb.setProperty("currentSchema", "shop_b");
        pb.setProperty("prepareThreshold", "1");
        try (GatewayHarness gw = Txn.gateway(1); Connection a = gw.connect(DB, pa); Connection b = gw.connect(DB, pb)) {
            for (int i = 0; i < 3; i++) {
                for (Connection c : java.util.List.of(a, b)) {
                    try (java.sql.PreparedStatement ps = c.prepareStatement("select owner from orders")) {
                        try (java.sql.ResultSet rs = ps.executeQuery()) {
                            rs.next();
                            assertThat(rs.getString(1)).as("round " + i + ", client " + (c == a ? "a" : "b")).isEqualTo(c == a ? "shop a" : "shop b");
                        }
                    }
                }
            }
        }
    }

    @Test
    void startupParametersNeverBecomeSql() throws Exception {
        TestPostgres.execute(DB, "create table if not exists victim (v int)");
        String evil = "x', 'y', false); drop table victim; --";
        // Raw start-up packets: pgjdbc would send application_name as its own SET statement.
        try (GatewayHarness gw = Txn.gateway(1);
             org.stonescriptdb.gateway.testing.WireSession a = org.stonescriptdb.gateway.testing.WireSession.login(gw.port(), DB,
                     java.util.Map.of("application_name", evil, "options", "-c lock_timeout=1234 -c work_mem=1111kB"));
             Connection holder = gw.connect(DB)) {
            for (int i = 0; i < 2; i++) {
                assertThat(org.stonescriptdb.gateway.testing.WireSession.firstColumn(a.query("show application_name"))).containsExactly(evil);
                assertThat(org.stonescriptdb.gateway.testing.WireSession.firstColumn(a.query("show lock_timeout"))).containsExactly("1234ms");
                assertThat(org.stonescriptdb.gateway.testing.WireSession.firstColumn(a.query("show work_mem"))).containsExactly("1111kB");
                holder.setAutoCommit(false);
                assertThat(one(holder, "show application_name")).isNotEqualTo(evil);
                holder.commit();
                holder.setAutoCommit(true);
            }
        }
        assertThat(Txn.direct(DB, "select to_regclass('public.victim') is not null")).isEqualTo("t");
    }

    @Test
    void unreplayableSessionSettingsPin() throws Exception {
        try (GatewayHarness gw = Txn.gateway(3)) {
            for (String sql : java.util.List.of(
                    "set session characteristics as transaction isolation level serializable",
                    "select set_config('work_mem', '5MB', false)",
                    "set role postgres")) {
                long before = gw.proxy().counters().pinnedSessions();
                try (Connection c = gw.connect(DB)) {
                    try (Statement st = c.createStatement()) {
                        st.execute(sql);
                    }
                    int pinnedTo = pid(c);
                    assertThat(gw.proxy().counters().pinnedSessions() - before).as(sql).isEqualTo(1);
                    try (Connection other = gw.connect(DB)) {
                        for (int i = 0; i < 3; i++) assertThat(pid(other)).as(sql).isNotEqualTo(pinnedTo);
                        assertThat(one(other, "show transaction_isolation")).isEqualTo("read committed");
                        assertThat(one(other, "show work_mem")).isNotEqualTo("5MB");
                    }
                    assertThat(pid(c)).isEqualTo(pinnedTo);
                }
            }
            // After the pinned clients left, no backend carries their settings.
            for (int i = 0; i < 3; i++) {
                try (Connection c = gw.connect(DB)) {
                    assertThat(one(c, "show transaction_isolation")).isEqualTo("read committed");
                    assertThat(one(c, "show work_mem")).isNotEqualTo("5MB");
                    assertThat(one(c, "select current_user = session_user")).isEqualTo("t");
                }
            }
        }
    }
}
