package org.stonescriptdb.gateway.proxy;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.stonescriptdb.gateway.config.PoolMode;
import org.stonescriptdb.gateway.testing.GatewayHarness;
import org.stonescriptdb.gateway.testing.WireClient;
import org.stonescriptdb.gateway.testing.WireClient.Message;
import org.stonescriptdb.gateway.testsupport.Await;
import org.stonescriptdb.gateway.testsupport.TestPostgres;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.assertj.core.api.Assertions.assertThat;
import static org.stonescriptdb.gateway.proxy.ProxyRoutingTest.rows;

/** Many clients, few backends, several tenants at once: every reply reaches the client that asked, and nothing else. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ProxyConcurrencyTest {

    private static final List<String> TENANTS = List.of("conc_alpha", "conc_beta", "conc_gamma");

    @BeforeAll
    static void createDatabases() {
        for (String db : TENANTS) {
            TestPostgres.createDatabase(db);
            TestPostgres.execute(db, "create table if not exists ledger (client int, n int)", "truncate ledger");
        }
    }

    @Test
    void clientsChurningOverSharedBackendsNeverSeeEachOthersReplies() throws Exception {
        int threads = 16;
        int iterations = 12;
        try (GatewayHarness gw = GatewayHarness.start(c -> c.withPoolMode(PoolMode.SESSION).withPoolLimits(3, 200, 50)
                .withTimeouts(Duration.ofMinutes(30), Duration.ofHours(1), Duration.ofSeconds(10)))) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            AtomicIntegerArray committed = new AtomicIntegerArray(TENANTS.size());
            try {
                List<Future<?>> futures = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int client = t;
                    futures.add(pool.submit(() -> {
                        Properties p = GatewayHarness.clientProperties();
                        p.setProperty("prepareThreshold", "1"); // named server-side statements from the first use
                        for (int i = 0; i < iterations; i++) {
                            int tenant = ThreadLocalRandom.current().nextInt(TENANTS.size());
                            String db = TENANTS.get(tenant);
                            try (Connection c = gw.connect(db, p)) {
                                try (PreparedStatement ps = c.prepareStatement("select current_database(), ?::int, ?::text")) {
                                    for (int k = 0; k < 3; k++) {
                                        ps.setInt(1, client * 1000 + i);
                                        ps.setString(2, "k" + k);
                                        try (ResultSet rs = ps.executeQuery()) {
                                            rs.next();
                                            assertThat(rs.getString(1)).isEqualTo(db);
                                            assertThat(rs.getInt(2)).isEqualTo(client * 1000 + i);
                                            assertThat(rs.getString(3)).isEqualTo("k" + k);
                                        }
                                    }
                                }
                                c.setAutoCommit(false);
                                try (PreparedStatement ins = c.prepareStatement("insert into ledger values (?, ?)")) {
                                    ins.setInt(1, client);
                                    ins.setInt(2, i);
                                    ins.executeUpdate();
                                }
                                if (i % 5 == 4) {
                                    c.rollback();
                                } else {
                                    c.commit();
                                    committed.incrementAndGet(tenant);
                                }
                            }
                        }
                        return null;
                    }));
                }
                try {
                    for (Future<?> f : futures) f.get(50, TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException e) {
                    throw new AssertionError("a client failed; gateway " + gw.proxy().stats() + ", pools " + gw.proxy().pools().poolStats()
                            + ", backend sessions " + backendActivity(), e.getCause());
                }
            } finally {
                pool.shutdownNow();
            }
            for (int t = 0; t < TENANTS.size(); t++) {
                try (Connection direct = TestPostgres.direct(TENANTS.get(t))) {
                    assertThat(rows(direct, "select count(*) from ledger")).as(TENANTS.get(t)).containsExactly(String.valueOf(committed.get(t)));
                }
            }
            assertThat(gw.proxy().stats().totalConnections()).isLessThanOrEqualTo(3 * TENANTS.size());
            // Every client has left: every backend connection must be back in its pool (none stuck mid-reset).
            Await.within(Duration.ofSeconds(3), () -> gw.proxy().stats().idleConnections() == gw.proxy().stats().totalConnections());
            assertThat(gw.proxy().stats().idleConnections()).as("idle vs open backends, " + gw.proxy().stats() + ", " + backendActivity())
                    .isEqualTo(gw.proxy().stats().totalConnections());
            assertThat(gw.proxy().stats().waitingClients()).isZero();
        }
    }

    private static List<String> backendActivity() {
        try (Connection c = TestPostgres.direct("postgres")) {
            return rows(c, "select datname || ' ' || pid || ' ' || state || ' [' || query || ']' from pg_stat_activity"
                    + " where datname like 'conc_%' order by datname, pid");
        } catch (java.sql.SQLException e) {
            return List.of(e.toString());
        }
    }

    @Test
    void parseDescribeFlushWithoutSyncIsAnsweredAtOnce() throws Exception {
        // asyncpg's way of preparing: Parse + Describe + Flush, and the Sync only later.
        try (GatewayHarness gw = GatewayHarness.start(); WireClient c = new WireClient(gw.port())) {
            c.send(WireClient.startupPacket(WireClient.PROTOCOL_3_0, Map.of("user", "app", "database", "conc_alpha")));
            c.readUntil('Z');
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            java.io.ByteArrayOutputStream parse = new java.io.ByteArrayOutputStream();
            parse.writeBytes(WireClient.cstring("stmt_a"));
            parse.writeBytes(WireClient.cstring("select $1::int + 1 as answer"));
            parse.writeBytes(new byte[] {0, 0});
            out.writeBytes(WireClient.typed('P', parse.toByteArray()));
            byte[] describe = new byte[1 + "stmt_a".length() + 1];
            describe[0] = 'S';
            System.arraycopy("stmt_a".getBytes(), 0, describe, 1, "stmt_a".length());
            out.writeBytes(WireClient.typed('D', describe));
            out.writeBytes(WireClient.typed('H', new byte[0]));
            c.send(out.toByteArray());
            // ParseComplete, ParameterDescription, RowDescription arrive without any Sync.
            assertThat(c.read().type()).isEqualTo('1');
            assertThat(c.read().type()).isEqualTo('t');
            Message rowDescription = c.read();
            assertThat(rowDescription.type()).isEqualTo('T');
            assertThat(new String(rowDescription.body())).contains("answer");

            // Then Bind (one text parameter "41") + Execute + Sync on the same backend.
            java.io.ByteArrayOutputStream bind = new java.io.ByteArrayOutputStream();
            bind.writeBytes(WireClient.cstring(""));
            bind.writeBytes(WireClient.cstring("stmt_a"));
            bind.writeBytes(new byte[] {0, 0, 0, 1, 0, 0, 0, 2, '4', '1', 0, 0});
            java.io.ByteArrayOutputStream run = new java.io.ByteArrayOutputStream();
            run.writeBytes(WireClient.typed('B', bind.toByteArray()));
            run.writeBytes(WireClient.typed('E', new byte[] {0, 0, 0, 0, 0}));
            run.writeBytes(WireClient.typed('S', new byte[0]));
            c.send(run.toByteArray());
            List<Message> reply = c.readUntil('Z');
            assertThat(reply.stream().map(Message::type).toList()).containsExactly('2', 'D', 'C', 'Z');
            assertThat(new String(reply.get(1).body(), 6, 2)).isEqualTo("42");
        }
    }
}
