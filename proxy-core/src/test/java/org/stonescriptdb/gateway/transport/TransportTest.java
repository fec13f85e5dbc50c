package org.stonescriptdb.gateway.transport;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.stonescriptdb.gateway.config.ConfigException;
import org.stonescriptdb.gateway.config.IoTransport;
import org.stonescriptdb.gateway.config.PoolMode;
import org.stonescriptdb.gateway.testing.GatewayHarness;
import org.stonescriptdb.gateway.testsupport.TestPostgres;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The same work on every event-loop transport this machine offers (the rest of the suite runs on the default, io_uring
 * where the kernel allows it): more clients than backends with prepared statements, a result larger than the socket
 * buffers (reading paused and resumed), and a cancel.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TransportTest {

    private static final String DB = "transport_main";

    @BeforeAll
    static void createDatabase() {
        TestPostgres.createDatabase(DB);
    }

    private static GatewayHarness gateway(IoTransport transport) throws InterruptedException {
        return GatewayHarness.start(c -> c.withPoolMode(PoolMode.TRANSACTION).withPoolLimits(3, 200, 50).withIoThreads(2)
                .withIoTransport(transport));
    }

    @Test
    void autoPicksIoUringWhereTheKernelAllowsItElseEpoll() throws Exception {
        try (GatewayHarness gw = gateway(IoTransport.AUTO)) {
            String expected = Transport.available(IoTransport.IO_URING) ? "io_uring" : Transport.available(IoTransport.EPOLL) ? "epoll" : "nio";
            assertThat(gw.proxy().transportName()).isEqualTo(expected);
        }
    }

    @ParameterizedTest
    @EnumSource(value = IoTransport.class, names = {"IO_URING", "EPOLL"})
    void anUnavailableTransportAskedForByNameIsAClearStartupError(IoTransport transport) {
        assumeTrue(!Transport.available(transport), transport + " is available here");
        assertThatThrownBy(() -> Transport.of(transport)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("IO_TRANSPORT=").hasMessageContaining("IO_TRANSPORT=auto");
    }

    @ParameterizedTest
    @EnumSource(value = IoTransport.class, names = {"IO_URING", "EPOLL", "NIO"})
    void clientsOutnumberingBackendsLargeResultsAndCancelsWork(IoTransport transport) throws Exception {
        assumeTrue(Transport.available(transport), transport + " is not available on this machine");
        try (GatewayHarness gw = gateway(transport)) {
            assertThat(gw.proxy().transportName()).isEqualTo(transport.name().toLowerCase());
            manyClientsWithPreparedStatements(gw);
            aResultLargerThanTheSocketBuffers(gw);
            aCancelStopsTheQuery(gw);
        }
    }

    private static void manyClientsWithPreparedStatements(GatewayHarness gw) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(12);
        try {
            List<Future<Long>> sums = new ArrayList<>();
            for (int client = 0; client < 12; client++) {
                int me = client;
                sums.add(pool.submit(() -> {
                    Properties p = GatewayHarness.clientProperties();
                    p.setProperty("prepareThreshold", "1");
                    long sum = 0;
                    try (Connection c = gw.connect(DB, p); PreparedStatement ps = c.prepareStatement("select ?::int * 2")) {
                        for (int i = 0; i < 40; i++) {
                            c.setAutoCommit(i % 2 == 0);
                            ps.setInt(1, me * 1000 + i);
                            try (ResultSet rs = ps.executeQuery()) {
                                rs.next();
                                sum += rs.getLong(1);
                            }
                            if (!c.getAutoCommit()) c.commit();
                        }
                    }
                    return sum;
                }));
            }
            for (int client = 0; client < 12; client++) {
                long expected = 0;
                for (int i = 0; i < 40; i++) expected += 2L * (client * 1000 + i);
                assertThat(sums.get(client).get(30, TimeUnit.SECONDS)).as("client " + client).isEqualTo(expected);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static void aResultLargerThanTheSocketBuffers(GatewayHarness gw) throws SQLException {
        try (Connection c = gw.connect(DB); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("select i, repeat('x', 2000) from generate_series(1, 10000) i")) {
            long rows = 0;
            long bytes = 0;
            while (rs.next()) {
                rows++;
                bytes += rs.getString(2).length();
            }
            assertThat(rows).isEqualTo(10_000);
            assertThat(bytes).isEqualTo(20_000_000L);
        }
    }

    private static void aCancelStopsTheQuery(GatewayHarness gw) throws Exception {
        try (Connection c = gw.connect(DB); Statement st = c.createStatement()) {
            CompletableFuture<Void> cancel = CompletableFuture.runAsync(() -> {
                try {
                    TestPostgres.awaitActiveQuery(DB, "pg_sleep");
                    st.cancel();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            long started = System.nanoTime();
            SQLException e = catchThrowableOfType(SQLException.class, () -> st.executeQuery("select pg_sleep(10)").close());
            cancel.get(5, TimeUnit.SECONDS);
            assertThat((Throwable) e).as("the cancelled query").isNotNull();
            assertThat(e.getSQLState()).isEqualTo("57014");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(6));
            try (ResultSet rs = st.executeQuery("select 'after cancel'")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("after cancel");
            }
        }
    }
}
