package org.stonescriptdb.gateway.pool;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.stonescriptdb.gateway.config.IoTransport;
import org.stonescriptdb.gateway.config.GatewayConfig;
import org.stonescriptdb.gateway.transport.Transport;
import org.stonescriptdb.gateway.testing.GatewayHarness;
import org.stonescriptdb.gateway.testing.TestBackend;
import org.stonescriptdb.gateway.testsupport.TestPostgres;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The pool manager under the global cap, with real backend connections: waiting clients are served in arrival
 * order across databases, and idle connections of a quiet database make room for a busy one.
 */
@Timeout(60)
class PoolManagerFairnessTest {

    private static final List<String> DATABASES = List.of("fair_main", "fair_a", "fair_b", "fair_c");
    private static EventLoopGroup group;
    private static EventLoop loop;

    @BeforeAll
    static void setUp() {
        DATABASES.forEach(TestPostgres::createDatabase);
        group = Transport.of(IoTransport.AUTO).newGroup(1, "fairness-test");
        loop = group.next();
    }

    @AfterAll
    static void tearDown() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS); // bounded: see GatewayProxy.awaitStopped
    }

    private static PoolManager manager(int perPool, int total, int pools) {
        GatewayConfig config = GatewayHarness.baseConfig().withPoolLimits(perPool, total, pools)
                .withTimeouts(Duration.ofMinutes(30), Duration.ofHours(1), Duration.ofSeconds(20));
        BackendConnector connector = new BackendConnector(TestBackend.target(), Transport.of(IoTransport.AUTO), Duration.ofSeconds(10), Duration.ofHours(1));
        return new PoolManager(config, connector);
    }

    private static BackendConnection get(Future<BackendConnection> f) throws Exception {
        return f.get(15, TimeUnit.SECONDS);
    }

    @Test
    void waitersAcrossDatabasesAreServedInArrivalOrder() throws Exception {
        PoolManager pools = manager(2, 2, 10);
        try {
            BackendConnection a1 = get(pools.acquire("fair_a", loop));
            BackendConnection a2 = get(pools.acquire("fair_a", loop));
            assertThat(pools.stats().totalConnections()).isEqualTo(2);

            List<Future<BackendConnection>> waiting = new ArrayList<>();
            for (String db : List.of("fair_b", "fair_c", "fair_b", "fair_a")) waiting.add(pools.acquire(db, loop));
            assertThat(pools.stats().waiting()).isEqualTo(4);

            // Each release frees capacity; the oldest waiter gets it, whichever database it wants.
            pools.release(a1);
            BackendConnection b1 = get(waiting.get(0));
            assertThat(b1.database()).isEqualTo("fair_b");
            assertThat(waiting.subList(1, 4)).as("one release serves one waiter, the oldest").noneMatch(Future::isDone);
            pools.release(a2);
            BackendConnection c1 = get(waiting.get(1));
            assertThat(c1.database()).isEqualTo("fair_c");
            assertThat(waiting.subList(2, 4)).noneMatch(Future::isDone);
            pools.release(b1);
            BackendConnection b2 = get(waiting.get(2));
            assertThat(b2.database()).isEqualTo("fair_b");
            assertThat(b2).as("fair_b's own idle connection is reused, not reopened").isSameAs(b1);
            assertThat(waiting.get(3).isDone()).isFalse();
            pools.release(c1);
            BackendConnection a3 = get(waiting.get(3));
            assertThat(a3.database()).isEqualTo("fair_a");
            assertThat(pools.stats().totalConnections()).isLessThanOrEqualTo(2);
            pools.release(b2);
            pools.release(a3);
        } finally {
            pools.close();
        }
    }

    /**
     * Within one pool, a released connection goes to a waiter on its own event loop before an older waiter on another
     * loop — but only within the grace period; past it (here: zero) the oldest waiter takes it across loops.
     */
    @Test
    void aWaiterOnTheConnectionsOwnLoopMayGoFirstWithinTheGrace() throws Exception {
        EventLoopGroup two = Transport.of(IoTransport.AUTO).newGroup(2, "same-loop-test");
        try {
            EventLoop loopA = two.next();
            EventLoop loopB = two.next();
            assertThat(loopA).isNotSameAs(loopB);
            for (boolean withinGrace : List.of(true, false)) {
                PoolManager pools = manager(2, 10, 10);
                pools.sameLoopGrace(withinGrace ? Duration.ofMinutes(1) : Duration.ZERO);
                try {
                    BackendConnection onA = get(pools.acquire("fair_main", loopA));
                    BackendConnection onB = get(pools.acquire("fair_main", loopB));
                    assertThat(onA.eventLoop()).isSameAs(loopA);
                    assertThat(onB.eventLoop()).as("each loop grows its own connections").isSameAs(loopB);

                    Future<BackendConnection> olderOnA = pools.acquire("fair_main", loopA);
                    Future<BackendConnection> youngerOnB = pools.acquire("fair_main", loopB);
                    pools.release(onB);
                    if (withinGrace) {
                        assertThat(get(youngerOnB)).isSameAs(onB);
                        assertThat(olderOnA.isDone()).isFalse();
                        pools.release(onA);
                        assertThat(get(olderOnA)).isSameAs(onA);
                        pools.release(onB);
                    } else {
                        assertThat(get(olderOnA)).as("arrival order once the grace is up").isSameAs(onB);
                        assertThat(youngerOnB.isDone()).isFalse();
                        pools.release(onA);
                        assertThat(get(youngerOnB)).isSameAs(onA);
                        pools.release(onB);
                    }
                    pools.release(onA);
                } finally {
                    pools.close();
                }
            }
        } finally {
            two.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void idleConnectionsOfAQuietDatabaseMakeRoomUnderTheGlobalCap() throws Exception {
        PoolManager pools = manager(3, 3, 10);
        try {
            List<BackendConnection> quiet = new ArrayList<>();
            for (int i = 0; i < 3; i++) quiet.add(get(pools.acquire("fair_a", loop)));
            quiet.forEach(pools::release);
            assertThat(pools.stats().idleConnections()).isEqualTo(3);

            BackendConnection busy = get(pools.acquire("fair_b", loop));
            assertThat(busy.database()).isEqualTo("fair_b");
            assertThat(pools.stats().totalConnections()).isEqualTo(3);
            assertThat(pools.poolStats()).anySatisfy(p -> {
                assertThat(p.database()).isEqualTo("fair_a");
                assertThat(p.size()).isEqualTo(2);
            });
            pools.release(busy);
        } finally {
            pools.close();
        }
    }

    @Test
    void theLeastRecentlyUsedIdlePoolIsClosedToStayWithinMaxPools() throws Exception {
        PoolManager pools = manager(2, 10, 2);
        try {
            pools.release(get(pools.acquire("fair_a", loop)));
            pools.release(get(pools.acquire("fair_b", loop)));
            assertThat(pools.stats().activePools()).isEqualTo(2);

            BackendConnection c = get(pools.acquire("fair_c", loop));
            assertThat(pools.stats().activePools()).isEqualTo(2);
            assertThat(pools.poolStats()).filteredOn(p -> p.database().equals("fair_a")).allSatisfy(p -> assertThat(p.size()).isZero());
            pools.release(c);
        } finally {
            pools.close();
        }
    }

    /**
     * More busy databases than MAX_POOLS: a database without a pool is not starved by the open pools' own clients. Its
     * client, once it has waited long enough, stops the others being served until an open pool drains, which is then
     * closed for it; the next in line waits its turn the same way.
     */
    @Test
    void aDatabaseWaitingForAPoolIsServedThoughTheOpenPoolsClientsKeepComing() throws Exception {
        PoolManager pools = manager(2, 10, 1);
        pools.drainAfter(Duration.ZERO);
        try {
            BackendConnection a1 = get(pools.acquire("fair_a", loop));
            Future<BackendConnection> b = pools.acquire("fair_b", loop);
            assertThat(pools.stats().waiting()).as("no room for a second pool").isEqualTo(1);

            // fair_a's pool has room for a second connection, but serving it would keep the pool in use forever.
            Future<BackendConnection> a2 = pools.acquire("fair_a", loop);
            assertThat(pools.stats().waiting()).as("the open pool's new client waits behind fair_b's").isEqualTo(2);

            pools.release(a1);
            BackendConnection b1 = get(b);
            assertThat(b1.database()).isEqualTo("fair_b");
            assertThat(pools.poolStats()).filteredOn(p -> p.database().equals("fair_a")).allSatisfy(p -> assertThat(p.size()).isZero());
            assertThat(a2.isDone()).isFalse();

            pools.release(b1);
            BackendConnection a3 = get(a2);
            assertThat(a3.database()).isEqualTo("fair_a");
            pools.release(a3);
        } finally {
            pools.close();
        }
    }

    @Test
    void withoutAClientWaitingLongForAPoolTheOpenPoolsServeAsUsual() throws Exception {
        PoolManager pools = manager(2, 10, 1);
        pools.drainAfter(Duration.ofMinutes(5));
        try {
            BackendConnection a1 = get(pools.acquire("fair_a", loop));
            Future<BackendConnection> b = pools.acquire("fair_b", loop);
            BackendConnection a2 = get(pools.acquire("fair_a", loop));
            assertThat(a2).as("a second connection of the open pool, fair_b's client not yet waiting long").isNotSameAs(a1);
            pools.release(a1);
            assertThat(b.isDone()).as("fair_a still has a connection in use").isFalse();
            pools.release(a2);
            assertThat(get(b).database()).isEqualTo("fair_b");
            pools.release(b.getNow());
        } finally {
            pools.close();
        }
    }

    /** A busy pool is not an error: the wait is QUERY_WAIT_TIMEOUT_SECS (120 s by default), not CONNECTION_TIMEOUT_SECS. */
    @Test
    void aWaiterOutlastsTheConnectionTimeoutAndIsServedWhenABackendFrees() throws Exception {
        GatewayConfig config = GatewayHarness.baseConfig().withPoolLimits(1, 5, 10)
                .withTimeouts(Duration.ofMinutes(30), Duration.ofHours(1), Duration.ofSeconds(1));
        assertThat(config.queryWaitTimeout()).isEqualTo(Duration.ofSeconds(120));
        BackendConnector connector = new BackendConnector(TestBackend.target(), Transport.of(IoTransport.AUTO), Duration.ofSeconds(10), Duration.ofHours(1));
        PoolManager pools = new PoolManager(config, connector);
        try {
            BackendConnection held = get(pools.acquire("fair_main", loop));
            Future<BackendConnection> late = pools.acquire("fair_main", loop);
            assertThat(late.await(2500, TimeUnit.MILLISECONDS)).as("still waiting past CONNECTION_TIMEOUT_SECS").isFalse();
            pools.release(held);
            BackendConnection served = get(late);
            assertThat(served).as("the freed backend").isSameAs(held);
            pools.release(served);
        } finally {
            pools.close();
        }
    }

    @Test
    void aWaiterThatTimesOutGetsA53300MessageNamingTheLimits() throws Exception {
        GatewayConfig config = GatewayHarness.baseConfig().withPoolLimits(1, 5, 10)
                .withTimeouts(Duration.ofMinutes(30), Duration.ofHours(1), Duration.ofSeconds(5)).withQueryWaitTimeout(Duration.ofSeconds(1));
        BackendConnector connector = new BackendConnector(TestBackend.target(), Transport.of(IoTransport.AUTO), Duration.ofSeconds(10), Duration.ofHours(1));
        org.stonescriptdb.gateway.metrics.ProxyCounters counters = new org.stonescriptdb.gateway.metrics.ProxyCounters();
        PoolManager pools = new PoolManager(config, connector, counters);
        try {
            BackendConnection held = get(pools.acquire("fair_main", loop));
            Future<BackendConnection> late = pools.acquire("fair_main", loop);
            assertThat(late.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(late.cause()).isInstanceOf(PoolTimeoutException.class)
                    .hasMessageContaining("fair_main").hasMessageContaining("within 1 s (QUERY_WAIT_TIMEOUT_SECS)")
                    .hasMessageContaining("1 of MAX_CONNECTIONS_PER_POOL=1 in use").hasMessageContaining("raise MAX_CONNECTIONS_PER_POOL")
                    .hasMessageContaining("CONNECTION_TIMEOUT_SECS=5");
            assertThat(pools.stats().waiting()).isZero();
            assertThat(counters.waits()).as("the timed-out wait is counted").isEqualTo(1);
            assertThat(counters.waitNanos()).isGreaterThanOrEqualTo(Duration.ofMillis(900).toNanos());
            pools.release(held);
        } finally {
            pools.close();
        }
    }
}
