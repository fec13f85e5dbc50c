package org.stonescriptdb.gateway.proxy;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.stonescriptdb.gateway.config.PoolMode;
import org.stonescriptdb.gateway.testing.GatewayHarness;
import org.stonescriptdb.gateway.testsupport.Await;
import org.stonescriptdb.gateway.testsupport.TestPostgres;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Pool limits reloaded while clients are connected: a raised limit serves the waiting client, a lowered one shrinks the pool. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PoolReconfigureTest {

    private static final String DB = "reconf_main";

    @BeforeAll
    static void createDatabase() {
        TestPostgres.createDatabase(DB);
    }

    private static int select(Connection c, int n) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select " + n)) {
            rs.next();
            return rs.getInt(1);
        }
    }

    @Test
    void aRaisedLimitServesTheWaitingClientAndALoweredOneClosesWhatIsReleased() throws Exception {
        try (GatewayHarness gw = GatewayHarness.start(c -> c.withPoolLimits(1, 10, 10).withPoolMode(PoolMode.SESSION));
             Connection first = gw.connect(DB)) {
            assertThat(select(first, 1)).isEqualTo(1);
            CompletableFuture<Integer> second = CompletableFuture.supplyAsync(() -> {
                try (Connection c = gw.connect(DB)) {
                    return select(c, 2);
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            Await.until(Duration.ofSeconds(10), () -> gw.proxy().stats().waitingClients() == 1, "the second client queued");
            gw.proxy().reconfigure(gw.config().withPoolLimits(2, 10, 10));
            assertThat(second.get(15, TimeUnit.SECONDS)).as("served by the raised limit").isEqualTo(2);
            Await.until(Duration.ofSeconds(10), () -> gw.proxy().stats().totalConnections() == 2, "two connections");

            // The second client left: its connection is idle. Lowered back to one, the pool closes it.
            gw.proxy().reconfigure(gw.config().withPoolLimits(1, 10, 10));
            Await.until(Duration.ofSeconds(10), () -> gw.proxy().stats().totalConnections() == 1, "the pool back to one connection");
            assertThat(select(first, 4)).isEqualTo(4);
        }
    }
}
