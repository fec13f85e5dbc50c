package org.stonescriptdb.gateway.pool;

import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Which idle connection a request gets: the one still in its own session state, then one on its own thread. */
class BackendPoolTest {

    private final BackendPool pool = new BackendPool(new PoolKey(null, "app_main"));
    private final EmbeddedChannel first = new EmbeddedChannel();
    private final EmbeddedChannel second = new EmbeddedChannel();
    private final BackendConnection a = TestBackends.on(first, "app_main");
    private final BackendConnection b = TestBackends.on(second, "app_main");
    private final EventLoop elsewhere = new DefaultEventLoop();

    @AfterEach
    void close() {
        first.finishAndReleaseAll();
        second.finishAndReleaseAll();
        elsewhere.shutdownGracefully();
    }

    @Test
    void theConnectionAClientUsedLastGoesBackToItFirst() {
        Object alice = new Object();
        Object bob = new Object();
        a.stateOwner(alice);
        b.stateOwner(bob);
        pool.countOne();
        pool.countOne();
        pool.addIdle(a);
        pool.addIdle(b); // most recently used first: b
        assertThat(pool.takeIdleFor(alice, elsewhere)).as("alice's own, though not the most recent").isSameAs(a);
        assertThat(pool.takeIdleFor(alice, b.eventLoop())).as("then one on the asking thread").isSameAs(b);
        assertThat(pool.idleCount()).isZero();
    }

    @Test
    void withNoOwnConnectionOneOnTheAskingThreadOrNone() {
        pool.countOne();
        pool.addIdle(a);
        assertThat(pool.takeIdleFor(new Object(), elsewhere)).as("none on that thread: the caller decides").isNull();
        assertThat(pool.takeIdleFor(null, a.eventLoop())).isSameAs(a);
    }
}
