package org.stonescriptdb.gateway.hardening;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.stonescriptdb.gateway.config.PoolMode;
import org.stonescriptdb.gateway.testing.GatewayHarness;
import org.stonescriptdb.gateway.testing.WireClient;
import org.stonescriptdb.gateway.testing.WireSession;
import org.stonescriptdb.gateway.testsupport.Await;
import org.stonescriptdb.gateway.testsupport.TestPostgres;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A client that disconnects mid-query: its query is cancelled at once and its locks go with it. (Closing the backend
 * socket alone is not enough: PostgreSQL notices a closed socket only when it next writes, so a long query ran on,
 * holding its row locks, for as long as it took.)
 */
class VanishedClientTest {

    private static final String DB = "vanished_main";

    @BeforeAll
    static void database() {
        TestPostgres.createDatabase(DB);
        TestPostgres.execute(DB, "create table if not exists accounts (id int primary key, balance int)",
                "insert into accounts values (1, 100) on conflict do nothing");
    }

    private static String balance() throws Exception {
        try (Connection c = TestPostgres.direct(DB); Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select balance from accounts where id = 1")) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** Sessions on the database, other than the caller's, whose current or last query contains {@code fragment}. */
    private static int sessionsShowing(String fragment) {
        try (Connection c = TestPostgres.direct(DB); PreparedStatement ps = c.prepareStatement(
                "select count(*) from pg_stat_activity where strpos(query, ?) > 0 and pid <> pg_backend_pid()")) {
            ps.setString(1, fragment);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @ParameterizedTest
    @EnumSource(PoolMode.class)
    void aVanishedClientsQueryIsCancelledAndItsLocksAreGoneWithinASecond(PoolMode mode) throws Exception {
        int before = Integer.parseInt(balance());
        try (GatewayHarness gw = GatewayHarness.start(c -> c.withPoolMode(mode))) {
            WireSession vanishing = WireSession.login(gw.port(), DB);
            vanishing.send(WireClient.query("begin; update accounts set balance = balance + 1 where id = 1; select pg_sleep(60)"));
            TestPostgres.awaitActiveQuery(DB, "pg_sleep(60)");
            vanishing.wire().close(); // no Terminate: the socket just goes away
            try (Connection direct = TestPostgres.direct(DB); Statement st = direct.createStatement()) {
                // Blocks while the vanished client's transaction still holds the row (it would, for the whole minute of its
                // sleep): the lock timeout bounds the wait generously for a loaded machine, the cancel frees it in ms.
                st.execute("set lock_timeout = '5s'");
                assertThat(st.executeUpdate("update accounts set balance = balance - 1 where id = 1")).isEqualTo(1);
                // Its backend releases the locks a moment before it leaves pg_stat_activity (when the gateway closes it).
                Await.until(Duration.ofSeconds(5), () -> sessionsShowing("pg_sleep(60)") == 0, "the vanished client's query to leave the server");
            }
            try (Connection next = gw.connect(DB); Statement st = next.createStatement();
                 ResultSet rs = st.executeQuery("select balance from accounts where id = 1")) {
                rs.next();
                assertThat(rs.getInt(1)).as("the vanished client's update rolled back, the direct one kept").isEqualTo(before - 1);
            }
        }
    }
}
