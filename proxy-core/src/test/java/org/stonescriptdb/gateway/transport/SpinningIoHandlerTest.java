package org.stonescriptdb.gateway.transport;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.stonescriptdb.gateway.config.IoTransport;
import org.stonescriptdb.gateway.config.PoolMode;
import org.stonescriptdb.gateway.testing.GatewayHarness;
import org.stonescriptdb.gateway.testsupport.TestPostgres;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code IO_SPIN_MICROS}: on every transport, an event loop keeps polling (burning CPU) for the configured time after
 * it last handled I/O, then sleeps again; clients see nothing but the same answers. The windows are long (a second)
 * so that CPU time, not wall-clock luck, tells polling from sleeping even on a busy machine.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SpinningIoHandlerTest {

    private static final String DB = "spin_main";
    private static final int SPIN_MICROS = 1_000_000;
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    @BeforeAll
    static void createDatabase() {
        TestPostgres.createDatabase(DB);
    }

    @ParameterizedTest
    @EnumSource(value = IoTransport.class, names = {"IO_URING", "EPOLL", "NIO"})
    void aLoopPollsForTheConfiguredTimeAfterItsLastIoThenSleeps(IoTransport transport) throws Exception {
        assumeTrue(Transport.available(transport), transport + " is not available on this machine");
        assumeTrue(THREADS.isThreadCpuTimeSupported(), "no per-thread CPU time in this JVM");
        try (GatewayHarness gw = GatewayHarness.start(c -> c.withPoolMode(PoolMode.TRANSACTION).withPoolLimits(2, 200, 50)
                .withIoThreads(1).withIoTransport(transport).withIoSpinMicros(SPIN_MICROS))) {
            long loopThread = gw.proxy().eventLoops().next().submit(() -> Thread.currentThread().threadId()).get();
            Properties p = GatewayHarness.clientProperties();
            p.setProperty("prepareThreshold", "1");
            try (Connection c = gw.connect(DB, p); PreparedStatement ps = c.prepareStatement("select ?::int + 1")) {
                long start = System.nanoTime();
                for (int i = 0; i < 20; i++) {
                    ps.setInt(1, i);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        assertThat(rs.getInt(1)).isEqualTo(i + 1);
                    }
                }
                // The polls themselves handle the I/O: a loop that only found it when the window closed would take
                // the whole second per round trip.
                assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start))
                        .as("ms for 20 round trips while the loop polls").isLessThan(5_000);
                // Right after I/O: the loop polls, so its thread runs whenever it gets a core in the next half second. On
                // a machine busy with other builds (load 8 on two cores) that was 21 ms; a sleeping loop uses next to nothing.
                long busy = cpuMillisOver(loopThread, 500);
                assertThat(busy).as("CPU ms of the loop in the half second after a query").isGreaterThanOrEqualTo(8);

                // A second and a half later the window has closed: the loop sleeps.
                Thread.sleep(1_500);
                long idle = cpuMillisOver(loopThread, 500);
                assertThat(idle).as("CPU ms of the loop, idle for 1.5 s").isLessThan(5);

                try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("select 'awake'")) {
                    rs.next();
                    assertThat(rs.getString(1)).isEqualTo("awake");
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = IoTransport.class, names = {"IO_URING", "EPOLL"})
    void withoutItALoopSleepsRightAfterItsWork(IoTransport transport) throws Exception {
        assumeTrue(Transport.available(transport), transport + " is not available on this machine");
        assumeTrue(THREADS.isThreadCpuTimeSupported(), "no per-thread CPU time in this JVM");
        try (GatewayHarness gw = GatewayHarness.start(c -> c.withPoolMode(PoolMode.TRANSACTION).withPoolLimits(2, 200, 50)
                .withIoThreads(1).withIoTransport(transport))) {
            long loopThread = gw.proxy().eventLoops().next().submit(() -> Thread.currentThread().threadId()).get();
            try (Connection c = gw.connect(DB); Statement st = c.createStatement()) {
                for (int i = 0; i < 20; i++) {
                    try (ResultSet rs = st.executeQuery("select " + i)) {
                        rs.next();
                    }
                }
                assertThat(cpuMillisOver(loopThread, 500)).as("CPU ms of the loop in the half second after a query").isLessThan(8);
            }
        }
    }

    /** The CPU time {@code threadId} uses while this thread sleeps {@code millis}. */
    private static long cpuMillisOver(long threadId, long millis) throws InterruptedException {
        long before = THREADS.getThreadCpuTime(threadId);
        Thread.sleep(millis); // the measuring window
        return TimeUnit.NANOSECONDS.toMillis(THREADS.getThreadCpuTime(threadId) - before);
    }
}
