package org.stonescriptdb.gateway.pool;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.stonescriptdb.gateway.config.GatewayConfig;
import org.stonescriptdb.gateway.config.IoTransport;
import org.stonescriptdb.gateway.testing.GatewayHarness;
import org.stonescriptdb.gateway.testing.TestBackend;
import org.stonescriptdb.gateway.testsupport.TestPostgres;
import org.stonescriptdb.gateway.transport.Transport;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A request made on its own event loop while an idle connection of its pool lives there is answered at once, with no
 * waiter (the common case of transaction pooling); in every other case it takes the whole way, as before.
 */
@Timeout(60)
class PoolManagerIdleOnLoopTest {

    private static final String DATABASE = "idle_on_loop_main";
    private static EventLoopGroup group;
    private static EventLoop loop;

    @BeforeAll
    static void setUp() {
        TestPostgres.createDatabase(DATABASE);
        group = Transport.of(IoTransport.AUTO).newGroup(1, "idle-on-loop-test");
        loop = group.next();
    }

    @AfterAll
    static void tearDown() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    /** The manager the current test made: closed after it, whatever the test did. */
    private PoolManager current;

    @AfterEach
    void closeManager() {
        if (current != null) current.close();
    }

    private PoolManager manager(int perPool) {
        GatewayConfig config = GatewayHarness.baseConfig().withPoolLimits(perPool, 10, 10)
                .withTimeouts(Duration.ofMinutes(30), Duration.ofHours(1), Duration.ofSeconds(20));
        BackendConnector connector = new BackendConnector(TestBackend.target(), Transport.of(IoTransport.AUTO), Duration.ofSeconds(10), Duration.ofHours(1));
        current = new PoolManager(config, connector);
        return current;
    }

    /** Asks on the loop's own thread, as a client session does. */
    private static Future<BackendConnection> acquireOnLoop(PoolManager pools, Object owner) throws Exception {
        return loop.submit(() -> pools.acquire(DATABASE, loop, null, owner)).get(15, TimeUnit.SECONDS);
    }

    private static long hits(PoolManager pools) {
        return pools.poolStats().stream().filter(s -> s.database().equals(DATABASE)).mapToLong(PoolManager.PoolStats::hits).sum();
    }

    @Test
    void theOwnersIdleConnectionOnItsLoopIsHandedOverAtOnce() throws Exception {
        PoolManager pools = manager(2);
        BackendConnection mine = pools.acquire(DATABASE, loop).get(15, TimeUnit.SECONDS);
        BackendConnection theirs = pools.acquire(DATABASE, loop).get(15, TimeUnit.SECONDS);
        Object me = new Object();
        mine.stateOwner(me);
        theirs.stateOwner(new Object());
        pools.release(mine);
        pools.release(theirs); // the most recently used: first in line for anyone else
        long hitsBefore = hits(pools);

        Future<BackendConnection> answer = acquireOnLoop(pools, me);

        assertThat(answer.isDone()).as("answered within the call").isTrue();
        assertThat(answer.getNow()).as("the connection whose session state is the requester's own").isSameAs(mine);
        assertThat(hits(pools)).isEqualTo(hitsBefore + 1);
        assertThat(pools.stats().waiting()).isZero();
        assertThat(pools.stats().totalConnections()).isEqualTo(2);
    }

    @Test
    void withNothingIdleTheRequestWaitsForARelease() throws Exception {
        PoolManager pools = manager(1);
        BackendConnection busy = pools.acquire(DATABASE, loop).get(15, TimeUnit.SECONDS);

        Future<BackendConnection> answer = acquireOnLoop(pools, new Object());
        assertThat(answer.isDone()).isFalse();
        assertThat(pools.stats().waiting()).isEqualTo(1);

        pools.release(busy);
        assertThat(answer.get(15, TimeUnit.SECONDS)).isSameAs(busy);
    }

    @Test
    void aPausedPoolAnswersNobodyFromItsLoopUntilResumed() throws Exception {
        PoolManager pools = manager(2);
        pools.release(pools.acquire(DATABASE, loop).get(15, TimeUnit.SECONDS));
        pools.pause(DATABASE);

        Future<BackendConnection> answer = acquireOnLoop(pools, null);
        assertThat(answer.isDone()).as("a paused pool's requests wait").isFalse();

        pools.resume(DATABASE);
        assertThat(answer.get(15, TimeUnit.SECONDS).database()).isEqualTo(DATABASE);
    }

    @Test
    void aStoppingGatewayRefusesRequestsOnTheLoopAndOffIt() throws Exception {
        PoolManager pools = manager(2);
        pools.release(pools.acquire(DATABASE, loop).get(15, TimeUnit.SECONDS));
        pools.close();

        for (Future<BackendConnection> answer : List.of(acquireOnLoop(pools, null), pools.acquire(DATABASE, loop))) {
            assertThat(answer.await(15, TimeUnit.SECONDS)).isTrue();
            assertThat(answer.isSuccess()).isFalse();
            assertThat(answer.cause()).isInstanceOf(BackendException.class).hasMessageContaining("shutting down");
        }
    }
}
