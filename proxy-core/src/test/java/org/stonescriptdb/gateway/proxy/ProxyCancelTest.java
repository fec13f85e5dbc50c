package org.stonescriptdb.gateway.proxy;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.stonescriptdb.gateway.config.PoolMode;
import org.stonescriptdb.gateway.testing.GatewayHarness;
import org.stonescriptdb.gateway.testing.WireClient;
import org.stonescriptdb.gateway.testing.WireClient.Message;
import org.stonescriptdb.gateway.testsupport.TestPostgres;

import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.stonescriptdb.gateway.proxy.ProxyRoutingTest.rows;

/** CancelRequest: reaches the right query, only with the right key, never a later client's query. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ProxyCancelTest {

    private static final String DB = "cncl_main";
    private static GatewayHarness gateway;

    @BeforeAll
    static void startGateway() throws Exception {
        TestPostgres.createDatabase(DB);
        gateway = GatewayHarness.start();
    }

    @AfterAll
    static void stopGateway() {
        if (gateway != null) gateway.close();
    }

    /** A raw session past start-up, with its gateway-issued {processId, secret}. */
    private static int[] startSession(WireClient c, String database) throws Exception {
        c.send(WireClient.startupPacket(WireClient.PROTOCOL_3_0, Map.of("user", "app", "database", database)));
        List<Message> greeting = c.readUntil('Z');
        Message key = greeting.stream().filter(m -> m.type() == 'K').findFirst().orElseThrow(() -> new AssertionError(greeting.toString()));
        return new int[] {key.int32(0), key.int32(4)};
    }

    private static void sendCancel(int processId, int secret) throws Exception {
        try (WireClient c = new WireClient(gateway.port())) {
            c.send(WireClient.untyped(WireClient.CANCEL_REQUEST, ByteBuffer.allocate(8).putInt(processId).putInt(secret).array()));
            assertThat(c.closedByPeer()).isTrue();
        }
    }

    @Test
    void onlyTheCancelledSessionsQueryStops() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (Connection victim = gateway.connect(DB); Connection bystander = gateway.connect(DB);
             Statement vs = victim.createStatement(); Statement bs = bystander.createStatement()) {
            Future<String> other = pool.submit(() -> rows(bystander, "select pg_sleep(1.5)::text || 'done'").get(0));
            Future<SQLException> cancelled = pool.submit(() -> {
                try {
                    vs.execute("select pg_sleep(20)");
                    return null;
                } catch (SQLException e) {
                    return e;
                }
            });
            TestPostgres.awaitActiveQuery(DB, "pg_sleep(20)");
            vs.cancel();
            SQLException e = cancelled.get(10, TimeUnit.SECONDS);
            assertThat((Throwable) e).as("the cancelled query").isNotNull();
            assertThat(e.getSQLState()).isEqualTo("57014");
            assertThat(other.get(10, TimeUnit.SECONDS)).isEqualTo("done");
            assertThat((Throwable) bs.getWarnings()).isNull();
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aCancelWithTheWrongSecretIsIgnoredAndTheRightOneWorks() throws Exception {
        try (WireClient c = new WireClient(gateway.port())) {
            int[] key = startSession(c, DB);
            c.send(WireClient.query("select pg_sleep(1)"));
            TestPostgres.awaitActiveQuery(DB, "select pg_sleep(1)"); // a cancel must find it running to show it is ignored
            sendCancel(key[0], key[1] + 1);
            sendCancel(key[0] + 1, key[1]);
            List<Character> reply = c.readUntil('Z').stream().map(Message::type).toList();
            assertThat(reply).as("a wrong key must not cancel").containsExactly('T', 'D', 'C', 'Z');

            c.send(WireClient.query("select pg_sleep(20)"));
            TestPostgres.awaitActiveQuery(DB, "pg_sleep(20)");
            long started = System.nanoTime();
            sendCancel(key[0], key[1]);
            List<Message> cancelled = c.readUntil('Z');
            Message error = cancelled.stream().filter(m -> m.type() == 'E').findFirst().orElseThrow(() -> new AssertionError(cancelled.toString()));
            assertThat(error.sqlState()).isEqualTo("57014");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
        }
    }

    @Test
    void aLateCancelFromADepartedClientDoesNotHitTheNextClientOnTheSameBackend() throws Exception {
        try (GatewayHarness single = GatewayHarness.start(c -> c.withPoolMode(PoolMode.SESSION).withPoolLimits(1, 200, 50))) {
            int[] oldKey;
            String oldPid;
            try (WireClient first = new WireClient(single.port())) {
                oldKey = startSession(first, DB);
                first.send(WireClient.query("select pg_backend_pid()"));
                List<Message> r = first.readUntil('Z');
                oldPid = new String(r.get(1).body(), 6, r.get(1).body().length - 6);
                first.send(WireClient.terminate());
                assertThat(first.closedByPeer()).isTrue();
            }
            try (Connection next = single.connect(DB)) {
                assertThat(rows(next, "select pg_backend_pid()")).containsExactly(oldPid);
                CompletableFuture<Void> stale = CompletableFuture.runAsync(() -> {
                    try {
                        TestPostgres.awaitActiveQuery(DB, "'survived'"); // the stale cancel must arrive while next's query runs
                        try (WireClient c = new WireClient(single.port())) {
                            c.send(WireClient.untyped(WireClient.CANCEL_REQUEST,
                                    ByteBuffer.allocate(8).putInt(oldKey[0]).putInt(oldKey[1]).array()));
                            c.closedByPeer();
                        }
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                assertThat(rows(next, "select pg_sleep(1)::text || 'survived'")).containsExactly("survived");
                stale.get(5, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void aCancelWhileIdleDoesNotCancelTheNextQuery() throws Exception {
        try (Connection c = gateway.connect(DB); Statement st = c.createStatement()) {
            st.cancel(); // nothing running
            // Not a wait for anything: the time a stray cancel would need to reach the next query, were it kept.
            Thread.sleep(200);
            assertThat(rows(c, "select pg_sleep(0.5)::text || 'ok'")).containsExactly("ok");
        }
    }

    @Test
    void cancelWorksForManySessionsInTurn() throws Exception {
        for (int i = 0; i < 5; i++) {
            try (Connection c = gateway.connect(DB); Statement st = c.createStatement()) {
                CompletableFuture.runAsync(() -> {
                    try {
                        TestPostgres.awaitActiveQuery(DB, "pg_sleep(20)");
                        st.cancel();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                assertThatThrownBy(() -> st.execute("select pg_sleep(20)"))
                        .extracting(e -> ((SQLException) e).getSQLState()).isEqualTo("57014");
            }
        }
    }
}
