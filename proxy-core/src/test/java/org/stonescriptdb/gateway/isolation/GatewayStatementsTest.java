package org.stonescriptdb.gateway.isolation;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.stonescriptdb.gateway.testing.GatewayHarness;
import org.stonescriptdb.gateway.testing.WireClient;
import org.stonescriptdb.gateway.testsupport.TestPostgres;

import java.io.ByteArrayOutputStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The gateway's own prepared statements (shared by the clients of a database in transaction pooling) are not the
 * clients' to run or drop: a client naming one it never prepared is told it does not exist, and a statement dropped
 * behind the gateway's back is prepared again.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GatewayStatementsTest {

    private static final String DB = "gwstatements_main";
    private static final String QUERY = "select 41 + 1";
    private static GatewayHarness gateway;

    @BeforeAll
    static void start() throws Exception {
        TestPostgres.createDatabase(DB);
        gateway = OneBackend.gateway(Duration.ofSeconds(10));
    }

    @AfterAll
    static void stop() {
        if (gateway != null) gateway.close();
    }

    /** A pgjdbc connection that prepares server-side at once, and the gateway's name of its statement. */
    private static Connection preparingClient() throws SQLException {
        Properties p = GatewayHarness.clientProperties();
        p.setProperty("prepareThreshold", "1");
        return gateway.connect(DB, p);
    }

    private static String run(PreparedStatement ps) throws SQLException {
        try (ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static String gatewayStatementName(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("select name from pg_prepared_statements where not from_sql and statement = '" + QUERY + "'")) {
            assertThat(rs.next()).as("the gateway prepared the statement on the pool's one backend").isTrue();
            return rs.getString(1);
        }
    }

    private static byte[] bindExecuteSync(String statement) {
        ByteArrayOutputStream bind = new ByteArrayOutputStream();
        bind.writeBytes(WireClient.cstring(""));
        bind.writeBytes(WireClient.cstring(statement));
        bind.writeBytes(new byte[] {0, 0, 0, 0, 0, 0});
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        all.writeBytes(WireClient.typed('B', bind.toByteArray()));
        all.writeBytes(WireClient.typed('E', new byte[] {0, 0, 0, 0, 0}));
        all.writeBytes(WireClient.typed('S', new byte[0]));
        return all.toByteArray();
    }

    private static WireClient loggedIn() throws Exception {
        WireClient c = new WireClient(gateway.port());
        c.send(WireClient.startupPacket(WireClient.PROTOCOL_3_0, Map.of("user", "app", "database", DB)));
        c.readUntil('Z');
        return c;
    }

    @Test
    void aClientCannotBindOrDescribeAStatementItNeverPrepared() throws Exception {
        try (Connection owner = preparingClient(); PreparedStatement ps = owner.prepareStatement(QUERY)) {
            assertThat(run(ps)).isEqualTo("42");
            String internal = gatewayStatementName(owner);
            assertThat(internal).startsWith("_ssg_");
            try (WireClient intruder = loggedIn()) {
                intruder.send(bindExecuteSync(internal));
                List<WireClient.Message> reply = intruder.readUntil('Z');
                assertThat(reply.get(0).type()).as(reply.toString()).isEqualTo('E');
                assertThat(reply.get(0).sqlState()).isEqualTo("26000");
                assertThat(reply).extracting(WireClient.Message::type).doesNotContain('D');

                ByteArrayOutputStream describe = new ByteArrayOutputStream();
                describe.write('S');
                describe.writeBytes(WireClient.cstring(internal));
                intruder.send(WireClient.typed('D', describe.toByteArray()));
                intruder.send(WireClient.typed('S', new byte[0]));
                reply = intruder.readUntil('Z');
                assertThat(reply.get(0).sqlState()).as(reply.toString()).isEqualTo("26000");

                intruder.send(WireClient.query("deallocate \"" + internal + "\""));
                reply = intruder.readUntil('Z');
                assertThat(reply.get(0).sqlState()).as(reply.toString()).isEqualTo("26000");
            }
            assertThat(run(ps)).as("the owner's statement still works").isEqualTo("42");
        }
    }

    @Test
    void aGatewayStatementDeallocatedBehindTheGatewaysBackIsPreparedAgain() throws Exception {
        try (Connection owner = preparingClient(); PreparedStatement ps = owner.prepareStatement(QUERY)) {
            assertThat(run(ps)).isEqualTo("42");
            String internal = gatewayStatementName(owner);
            try (Connection intruder = gateway.connect(DB); Statement st = intruder.createStatement()) {
                st.execute("do $$ begin execute 'deallocate \"" + internal + "\"'; end $$");
            }
            int failures = 0;
            for (int i = 0; i < 3; i++) {
                try {
                    assertThat(run(ps)).isEqualTo("42");
                } catch (SQLException e) {
                    assertThat(e.getSQLState()).isEqualTo("26000");
                    failures++;
                }
            }
            assertThat(failures).as("told at most once, then prepared again").isLessThanOrEqualTo(1);
            assertThat(run(ps)).isEqualTo("42");
        }
    }
}
