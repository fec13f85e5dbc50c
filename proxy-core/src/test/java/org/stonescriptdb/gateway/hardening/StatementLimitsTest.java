package org.stonescriptdb.gateway.hardening;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.stonescriptdb.gateway.config.PoolMode;
import org.stonescriptdb.gateway.testing.GatewayHarness;
import org.stonescriptdb.gateway.testing.WireClient;
import org.stonescriptdb.gateway.testing.WireSession;
import org.stonescriptdb.gateway.testsupport.Await;
import org.stonescriptdb.gateway.testsupport.TestPostgres;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Prepared statements are bounded per client (MAX_CLIENT_STATEMENTS, MAX_CLIENT_STATEMENT_BYTES: 53200 to that client
 * alone), and the gateway-wide registry forgets what no client holds — once, distinct 1 MB statements from one client
 * ran the JVM out of memory.
 */
class StatementLimitsTest {

    private static final String DB = "stmtlimits_main";

    @BeforeAll
    static void database() {
        TestPostgres.createDatabase(DB);
    }

    private static GatewayHarness gateway(int count, long bytes) throws InterruptedException {
        return GatewayHarness.start(c -> c.withPoolMode(PoolMode.TRANSACTION).withLimits(c.limits().withClientStatements(count, bytes)));
    }

    private static List<Character> types(List<WireClient.Message> messages) {
        return messages.stream().map(WireClient.Message::type).toList();
    }

    @Test
    void oneStatementMoreThanMaxClientStatementsIs53200AndTheConnectionGoesOn() throws Exception {
        try (GatewayHarness gw = gateway(3, 1 << 20); WireSession s = WireSession.login(gw.port(), DB)) {
            s.send(WireSession.parse("a", "select 1"), WireSession.parse("b", "select 2"), WireSession.parse("c", "select 3"),
                    WireSession.parse("d", "select 4"), WireSession.parse("e", "select 5"), WireSession.sync());
            List<WireClient.Message> replies = s.wire().readUntil('Z');
            assertThat(types(replies)).containsExactly('1', '1', '1', 'E', 'Z');
            WireClient.Message error = replies.get(3);
            assertThat(error.sqlState()).isEqualTo("53200");
            assertThat(error.fields().get('S')).isEqualTo("ERROR");
            assertThat(error.fields().get('M')).contains("MAX_CLIENT_STATEMENTS = 3");
            // Room again after a Close; the statements it holds still work.
            s.send(WireSession.close('S', "a"), WireSession.parse("d", "select 4"), WireSession.bind("", "d"), WireSession.execute("", 0),
                    WireSession.sync());
            assertThat(types(s.wire().readUntil('Z'))).containsExactly('3', '1', '2', 'D', 'C', 'Z');
        }
    }

    @Test
    void statementTextBeyondMaxClientStatementBytesIs53200() throws Exception {
        String big = "select '" + "x".repeat(3000) + "'";
        try (GatewayHarness gw = gateway(1000, 4096); WireSession s = WireSession.login(gw.port(), DB)) {
            s.send(WireSession.parse("a", big), WireSession.parse("b", big.replace('x', 'y')), WireSession.sync());
            List<WireClient.Message> replies = s.wire().readUntil('Z');
            assertThat(types(replies)).containsExactly('1', 'E', 'Z');
            assertThat(replies.get(1).sqlState()).isEqualTo("53200");
            assertThat(replies.get(1).fields().get('M')).contains("MAX_CLIENT_STATEMENT_BYTES = 4096");
        }
    }

    @Test
    void theRegistryForgetsWhatNoClientHolds() throws Exception {
        try (GatewayHarness gw = gateway(10_000, 64 << 20)) {
            int before = gw.proxy().preparedStatements();
            Properties p = GatewayHarness.clientProperties();
            p.setProperty("prepareThreshold", "-1"); // every statement a named one
            List<Connection> clients = new ArrayList<>();
            try {
                for (int c = 0; c < 10; c++) {
                    Connection conn = gw.connect(DB, p);
                    clients.add(conn);
                    for (int i = 0; i < 30; i++) {
                        try (PreparedStatement ps = conn.prepareStatement("select " + c + " * 1000 + " + i + " as n -- " + "z".repeat(1000));
                             ResultSet rs = ps.executeQuery()) {
                            rs.next();
                            assertThat(rs.getInt(1)).isEqualTo(c * 1000 + i);
                        }
                    }
                }
                assertThat(gw.proxy().preparedStatements()).as("held while their clients are connected").isGreaterThanOrEqualTo(before + 10);
            } finally {
                for (Connection c : clients) c.close();
            }
            Await.within(Duration.ofSeconds(10), () -> gw.proxy().preparedStatements() <= before);
            assertThat(gw.proxy().preparedStatements()).as("once every client has gone").isEqualTo(before);
        }
    }
}
