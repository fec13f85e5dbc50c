package org.stonescriptdb.gateway.session;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.stonescriptdb.gateway.config.PoolMode;
import org.stonescriptdb.gateway.testing.GatewayHarness;
import org.stonescriptdb.gateway.testsupport.TestPostgres;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/** A client may choose session pooling for its own connection on a gateway that pools per transaction. */
@Timeout(60)
class PoolModeSelectionTest {

    private static final String DB = "modesel_main";
    private static GatewayHarness gateway;

    @BeforeAll
    static void start() throws Exception {
        TestPostgres.createDatabase(DB);
        gateway = GatewayHarness.start(c -> c.withPoolMode(PoolMode.TRANSACTION).withPoolLimits(2, 10, 10)
                .withTimeouts(Duration.ofMinutes(30), Duration.ofHours(1), Duration.ofSeconds(10)));
    }

    @AfterAll
    static void stop() {
        if (gateway != null) gateway.close();
    }

    @Test
    void sessionModeRequestedInOptionsKeepsOneBackendWhileOthersShareTheRest() throws Exception {
        Properties session = GatewayHarness.clientProperties();
        session.setProperty("options", "-c gateway.pool_mode=session");
        try (Connection pinned = gateway.connect(DB, session); Connection shared = gateway.connect(DB)) {
            int first = pid(pinned);
            // The transaction-mode client comes and goes on the other backend meanwhile.
            for (int i = 0; i < 5; i++) assertThat(pid(shared)).isNotEqualTo(first);
            assertThat(pid(pinned)).isEqualTo(first);
            // The setting is the gateway's, not the server's: the server never sees it.
            try (Statement s = pinned.createStatement()) {
                assertThat(s.execute("select current_setting('gateway.pool_mode', true)")).isTrue();
                try (ResultSet r = s.getResultSet()) {
                    r.next();
                    assertThat(r.getString(1)).isNull();
                }
            }
        }
    }

    @Test
    void anUnknownModeFallsBackToTheConfiguredOne() {
        assertThat(ClientSession.poolMode("bogus", PoolMode.TRANSACTION)).isEqualTo(PoolMode.TRANSACTION);
        assertThat(ClientSession.poolMode(" Session ", PoolMode.TRANSACTION)).isEqualTo(PoolMode.SESSION);
        assertThat(ClientSession.poolMode(null, PoolMode.SESSION)).isEqualTo(PoolMode.SESSION);
    }

    private static int pid(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("select pg_backend_pid()")) {
            r.next();
            return r.getInt(1);
        }
    }
}
