package org.stonescriptdb.gateway.console;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.stonescriptdb.gateway.testing.CommandLine;
import org.stonescriptdb.gateway.testing.GatewayHarness;
import org.stonescriptdb.gateway.testsupport.Await;
import org.stonescriptdb.gateway.testsupport.TestPostgres;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The admin console through psql and pgjdbc: user admin with the admin key, PgBouncer's SHOW commands and column
 * names, KILL_CLIENT and RECONNECT acting on real clients and pools, bad commands answered with an error while the
 * session goes on, and everyone else refused.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class AdminConsoleTest {

    private static final String KEY = "console-admin-key-1";
    private static final String DB = "consoletest_main";
    private static GatewayHarness gateway;

    @BeforeAll
    static void start() throws Exception {
        TestPostgres.createDatabase(DB);
        gateway = GatewayHarness.start(c -> c.withApiKeys(Map.of("admin", KEY)));
    }

    @AfterAll
    static void stop() {
        if (gateway != null) gateway.close();
    }

    private static Connection console(String database, String user, String password) throws SQLException {
        return console(gateway, database, user, password);
    }

    private static Connection console(GatewayHarness gw, String database, String user, String password) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", user);
        p.setProperty("password", password);
        p.setProperty("preferQueryMode", "simple");
        p.setProperty("sslmode", "disable");
        p.setProperty("connectTimeout", "5");
        p.setProperty("socketTimeout", "30");
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + gw.port() + "/" + database, p);
    }

    private static List<Map<String, String>> rows(Statement s, String command) throws SQLException {
        List<Map<String, String>> out = new ArrayList<>();
        try (ResultSet rs = s.executeQuery(command)) {
            while (rs.next()) {
                Map<String, String> row = new java.util.LinkedHashMap<>();
                for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) row.put(rs.getMetaData().getColumnName(i), rs.getString(i));
                out.add(row);
            }
        }
        return out;
    }

    @Test
    void showPoolsAndClientsListWhatIsConnectedAndKillClientEndsIt() throws Exception {
        try (Connection app = gateway.connect(DB); Statement appStatement = app.createStatement();
             Connection admin = console("gateway", "admin", KEY); Statement s = admin.createStatement()) {
            appStatement.execute("select 1");
            List<Map<String, String>> pools = rows(s, "SHOW POOLS");
            assertThat(pools).anySatisfy(p -> {
                assertThat(p.get("database")).isEqualTo(DB);
                assertThat(p.get("user")).isEqualTo("ssdb_consoletest");
                assertThat(Long.parseLong(p.get("sv_total"))).isGreaterThanOrEqualTo(1);
                assertThat(p).containsKeys("cl_active", "cl_idle", "sv_active", "sv_idle", "pool_mode");
            });
            List<Map<String, String>> servers = rows(s, "SHOW SERVERS");
            assertThat(servers).anySatisfy(r -> {
                assertThat(r.get("database")).isEqualTo(DB);
                assertThat(r.get("user")).isEqualTo("ssdb_consoletest");
                assertThat(Long.parseLong(r.get("pid"))).isPositive();
                assertThat(r.get("state")).isIn("active", "idle");
            });
            List<Map<String, String>> clients = rows(s, "show clients;");
            Map<String, String> mine = clients.stream().filter(c -> DB.equals(c.get("database"))).findFirst().orElseThrow();
            assertThat(mine.get("user")).isEqualTo(GatewayHarness.CLIENT_USER);
            assertThat(mine.get("addr")).isEqualTo("127.0.0.1");

            s.execute("KILL_CLIENT " + mine.get("id"));
            assertThatThrownBy(() -> appStatement.execute("select 1")).isInstanceOfSatisfying(SQLException.class,
                    e -> assertThat(e.getSQLState()).isIn("57P01", "08006", "08003"));
            Await.until(Duration.ofSeconds(10), () -> {
                try {
                    return rows(s, "SHOW CLIENTS").stream().noneMatch(c -> mine.get("id").equals(c.get("id")));
                } catch (SQLException e) {
                    return false;
                }
            }, "the killed client gone from SHOW CLIENTS");
        }
    }

    @Test
    void aClientQueuedForTheOnlyConnectionIsCountedAsWaiting() throws Exception {
        try (GatewayHarness one = GatewayHarness.start(c -> c.withApiKeys(Map.of("admin", KEY)).withPoolLimits(1, 10, 10)
                .withPoolMode(org.stonescriptdb.gateway.config.PoolMode.SESSION));
             Connection holder = one.connect(DB)) {
            holder.createStatement().execute("select 1");
            var second = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try (Connection c = one.connect(DB); Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select 2")) {
                    rs.next();
                    return rs.getInt(1);
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            try (Connection admin = console(one, "gateway", "admin", KEY);
                 Statement s = admin.createStatement()) {
                Await.until(Duration.ofSeconds(10), () -> {
                    try {
                        return rows(s, "SHOW POOLS").stream().anyMatch(r -> DB.equals(r.get("database")) && "1".equals(r.get("cl_waiting")));
                    } catch (SQLException e) {
                        return false;
                    }
                }, "the second client queued in SHOW POOLS");
            }
            holder.close();
            assertThat(second.get(15, TimeUnit.SECONDS)).isEqualTo(2);
        }
    }

    @Test
    void pauseHoldsADatabasesRequestsWithNoServerConnectionUntilResume() throws Exception {
        try (GatewayHarness tx = GatewayHarness.start(c -> c.withApiKeys(Map.of("admin", KEY))
                .withPoolMode(org.stonescriptdb.gateway.config.PoolMode.TRANSACTION));
             Connection app = tx.connect(DB); Statement appStatement = app.createStatement()) {
            appStatement.execute("select 1");
            try (Connection admin = console(tx, "gateway", "admin", KEY);
                 Statement s = admin.createStatement()) {
                assertThat(rows(s, "PAUSE " + DB).getFirst().get("busy_connections")).isEqualTo("0");
                var held = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                    try (ResultSet rs = appStatement.executeQuery("select 2")) {
                        rs.next();
                        return rs.getInt(1);
                    } catch (SQLException e) {
                        throw new IllegalStateException(e);
                    }
                });
                Await.until(Duration.ofSeconds(10), () -> {
                    try {
                        return rows(s, "SHOW POOLS").stream().anyMatch(r -> DB.equals(r.get("database")) && "1".equals(r.get("cl_waiting"))
                                && "0".equals(r.get("sv_total")) && "yes".equals(r.get("paused")));
                    } catch (SQLException e) {
                        return false;
                    }
                }, "the request held with no server connection");
                assertThat(held).isNotDone();
                s.execute("RESUME " + DB);
                assertThat(held.get(15, TimeUnit.SECONDS)).isEqualTo(2);
                assertThat(rows(s, "SHOW POOLS")).anySatisfy(r -> {
                    assertThat(r.get("database")).isEqualTo(DB);
                    assertThat(r.get("paused")).isEqualTo("no");
                });
            }
        }
    }

    @Test
    void reconnectClosesAPoolsConnectionsAndTheClientsGoOn() throws Exception {
        try (Connection app = gateway.connect(DB); Statement appStatement = app.createStatement();
             Connection admin = console("pgbouncer", "admin", KEY); Statement s = admin.createStatement()) {
            appStatement.execute("select 1");
            assertThat(rows(s, "SHOW POOLS")).anyMatch(p -> DB.equals(p.get("database")));
            s.execute("RECONNECT " + DB);
            assertThat(rows(s, "SHOW POOLS")).noneMatch(p -> DB.equals(p.get("database")) && !"0".equals(p.get("sv_idle")));
            try (ResultSet rs = appStatement.executeQuery("select 41 + 1")) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(42);
            }
        }
    }

    @Test
    void theOtherShowCommandsAnswerAndBadCommandsAreErrorsThatLeaveTheSessionOpen() throws Exception {
        try (Connection admin = console("gateway", "admin", KEY); Statement s = admin.createStatement()) {
            assertThat(rows(s, "SHOW VERSION").getFirst().get("version")).contains("StoneScriptDB Gateway");
            assertThat(rows(s, "SHOW CONFIG")).anySatisfy(r -> assertThat(r.get("key")).isEqualTo("pool_mode"))
                    .noneSatisfy(r -> assertThat(r.get("value")).contains(KEY));
            assertThat(rows(s, "SHOW DATABASES")).anySatisfy(r -> assertThat(r.get("name")).isEqualTo(DB));
            assertThat(rows(s, "SHOW PLATFORMS")).anySatisfy(r -> assertThat(r.get("platform")).isEqualTo("consoletest"));
            assertThat(rows(s, "SHOW STATS").getFirst()).containsKeys("total_xact_count", "total_wait_time");
            for (String bad : List.of("SELECT 1", "SHOW NOTHING", "KILL", "KILL_CLIENT abc", "KILL_CLIENT 999999", "SUSPEND", "SHUTDOWN",
                    "PAUSE not a database", "PAUSE a b",
                    "RECONNECT not a database")) {
                assertThatThrownBy(() -> s.execute(bad)).as(bad).isInstanceOf(SQLException.class);
            }
            assertThat(rows(s, "SHOW VERSION")).hasSize(1);
        }
    }

    @Test
    void onlyTheAdminWithTheAdminKeyGetsInAndOnlyWithSimpleQueries() throws Exception {
        assertThatThrownBy(() -> console("gateway", "admin", "wrong").close())
                .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("28P01"));
        assertThatThrownBy(() -> console("gateway", "app", KEY).close())
                .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("28P01"));
        Properties extended = new Properties();
        extended.setProperty("user", "admin");
        extended.setProperty("password", KEY);
        extended.setProperty("sslmode", "disable");
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + gateway.port() + "/gateway", extended);
             Statement s = c.createStatement()) {
            assertThatThrownBy(() -> s.executeQuery("SHOW POOLS")).isInstanceOfSatisfying(SQLException.class,
                    e -> assertThat(e.getMessage()).contains("simple queries only"));
        }
        try (GatewayHarness noKey = GatewayHarness.start()) {
            assertThatThrownBy(() -> DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + noKey.port() + "/gateway?user=admin&password=x&sslmode=disable").close())
                    .isInstanceOfSatisfying(SQLException.class, e -> {
                        assertThat(e.getSQLState()).isEqualTo("28000");
                        assertThat(e.getMessage()).contains("API_KEY_ADMIN");
                    });
        }
    }

    @Test
    void psqlRunsCommandsAndExpandedOutput() {
        Assumptions.assumeTrue(CommandLine.available("psql"), "psql is not installed");
        CommandLine.Result r = CommandLine.run(Duration.ofSeconds(30), Map.of("PGPASSWORD", KEY), "psql", "-X", "-w",
                "host=127.0.0.1 port=" + gateway.port() + " user=admin dbname=gateway sslmode=disable", "-x", "-c", "SHOW CONFIG", "-c", "SHOW VERSION");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).contains("key   | pool_mode").contains("StoneScriptDB Gateway admin console");
        CommandLine.Result bad = CommandLine.run(Duration.ofSeconds(30), Map.of("PGPASSWORD", KEY), "psql", "-X", "-w", "-v", "ON_ERROR_STOP=1",
                "host=127.0.0.1 port=" + gateway.port() + " user=admin dbname=gateway sslmode=disable", "-c", "SHOW NOTHING");
        assertThat(bad.exitCode()).isNotZero();
        assertThat(bad.stderr()).contains("SHOW NOTHING is not known");
    }
}
