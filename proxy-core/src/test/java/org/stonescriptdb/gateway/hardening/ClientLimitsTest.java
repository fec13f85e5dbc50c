package org.stonescriptdb.gateway.hardening;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.stonescriptdb.gateway.config.Cidr;
import org.stonescriptdb.gateway.config.PoolMode;
import org.stonescriptdb.gateway.testing.GatewayHarness;
import org.stonescriptdb.gateway.testing.WireClient;
import org.stonescriptdb.gateway.testing.WireSession;
import org.stonescriptdb.gateway.testsupport.Await;
import org.stonescriptdb.gateway.testsupport.TestPostgres;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The bounds on client connections (#13): a refused address is answered and closed at accept, the connection limits
 * (in all, per address) answer 53300 to the one over them, a login has a deadline, and a message longer than
 * MAX_MESSAGE_BYTES is refused from its header — each costing only the offender, while a canary client goes on.
 */
class ClientLimitsTest {

    private static final String DB = "limits_main";

    @BeforeAll
    static void database() throws Exception {
        TestPostgres.createDatabase(DB);
    }

    private static GatewayHarness gateway(int total, int perAddress, Duration loginTimeout) throws InterruptedException {
        return GatewayHarness.start(c -> c.withPoolMode(PoolMode.TRANSACTION)
                .withAllowedNetworks(List.of(Cidr.parse("127.0.0.1/32"), Cidr.parse("127.0.0.3/32")))
                .withLimits(c.limits().withClientConnections(total, perAddress).withClientLoginTimeout(loginTimeout)));
    }

    private static void assertCanaryWorks(GatewayHarness gw) throws SQLException {
        try (Connection c = gw.connect(DB); Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select 41 + 1")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(42);
        }
    }

    /** Reads the one message a refused connection gets, then expects the end of the stream. */
    private static WireClient.Message refusal(WireClient w) throws IOException {
        WireClient.Message m = w.read();
        assertThat(w.closedByPeer()).as("closed after " + m).isTrue();
        return m;
    }

    private static void await(String what, BooleanSupplier condition) {
        Await.until(Duration.ofSeconds(10), condition, what);
    }

    @Test
    void aRefusedAddressIsAnsweredAndClosedAtAcceptWithoutSendingAByte() throws Exception {
        try (GatewayHarness gw = gateway(100, 100, Duration.ofSeconds(60))) {
            List<WireClient> refused = new ArrayList<>();
            try {
                for (int i = 0; i < 200; i++) refused.add(new WireClient("127.0.0.2", gw.port()));
                for (WireClient w : refused) {
                    WireClient.Message m = refusal(w);
                    assertThat(m.type()).isEqualTo('E');
                    assertThat(m.sqlState()).isEqualTo("28000");
                    assertThat(m.fields().get('M')).isEqualTo("no gateway access for host \"127.0.0.2\"");
                    assertThat(m.fields().get('S')).isEqualTo("FATAL");
                }
            } finally {
                for (WireClient w : refused) w.close();
            }
            await("no refused connection counted", () -> gw.proxy().openClientConnections() == 0);
            assertCanaryWorks(gw);
        }
    }

    @Test
    void oneConnectionMoreThanMaxClientConnectionsGets53300AndAFreedSlotServesAgain() throws Exception {
        try (GatewayHarness gw = gateway(5, 5, Duration.ofSeconds(60))) {
            List<WireClient> silent = new ArrayList<>();
            try {
                for (int i = 0; i < 5; i++) silent.add(new WireClient("127.0.0.1", gw.port()));
                await("five open", () -> gw.proxy().openClientConnections() == 5);
                try (WireClient extra = new WireClient("127.0.0.3", gw.port())) {
                    WireClient.Message m = refusal(extra);
                    assertThat(m.sqlState()).isEqualTo("53300");
                    assertThat(m.fields().get('M')).isEqualTo("sorry, too many clients already");
                }
                silent.removeFirst().close();
                await("a slot free", () -> gw.proxy().openClientConnections() == 4);
                assertCanaryWorks(gw);
            } finally {
                for (WireClient w : silent) w.close();
            }
        }
    }

    @Test
    void oneAddressCannotTakeEverySlot() throws Exception {
        try (GatewayHarness gw = gateway(10, 3, Duration.ofSeconds(60))) {
            List<WireClient> silent = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) silent.add(new WireClient("127.0.0.3", gw.port()));
                await("three open", () -> gw.proxy().openClientConnections() == 3);
                try (WireClient fourth = new WireClient("127.0.0.3", gw.port())) {
                    WireClient.Message m = refusal(fourth);
                    assertThat(m.sqlState()).isEqualTo("53300");
                    assertThat(m.fields().get('M')).isEqualTo("sorry, too many clients already from host \"127.0.0.3\"");
                }
                assertCanaryWorks(gw); // from 127.0.0.1
            } finally {
                for (WireClient w : silent) w.close();
            }
        }
    }

    @Test
    void aClientThatDoesNotFinishItsLoginInTimeIsClosed() throws Exception {
        try (GatewayHarness gw = gateway(100, 100, Duration.ofSeconds(1));
             WireClient silent = new WireClient("127.0.0.1", gw.port());
             WireClient halfPacket = new WireClient("127.0.0.1", gw.port());
             WireSession loggedIn = WireSession.login(gw.port(), DB)) {
            byte[] startup = WireClient.startupPacket(WireClient.PROTOCOL_3_0, Map.of("user", GatewayHarness.CLIENT_USER, "database", DB));
            halfPacket.send(java.util.Arrays.copyOf(startup, startup.length / 2));
            for (WireClient w : List.of(silent, halfPacket)) {
                WireClient.Message m = refusal(w);
                assertThat(m.sqlState()).isEqualTo("57014");
                assertThat(m.fields().get('M')).startsWith("canceling authentication due to timeout");
            }
            Thread.sleep(1_200); // past the deadline (the time passing is the point): a logged-in session is not subject to it
            loggedIn.send(WireClient.query("select 1"));
            assertThat(loggedIn.wire().readUntil('Z')).anyMatch(m -> m.type() == 'D');
            await("only the logged-in client left", () -> gw.proxy().openClientConnections() == 1);
        }
    }

    @Test
    void aMessageLongerThanMaxMessageBytesIsRefusedFromItsHeaderAlone() throws Exception {
        try (GatewayHarness gw = gateway(100, 100, Duration.ofSeconds(60))) {
            for (int declared : new int[]{0x3FFF_FFFF, gw.config().limits().maxMessageBytes() + 1}) {
                try (WireSession s = WireSession.login(gw.port(), DB)) {
                    s.send(ByteBuffer.allocate(5 + 1000).put((byte) 'Q').putInt(declared).array());
                    WireClient.Message m = refusal(s.wire());
                    assertThat(m.sqlState()).isEqualTo("08P01");
                    assertThat(m.fields().get('S')).isEqualTo("FATAL");
                    assertThat(m.fields().get('M')).contains("MAX_MESSAGE_BYTES");
                }
            }
            assertCanaryWorks(gw);
        }
    }
}
