package org.stonescriptdb.gateway.pool;

import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What is closed to make room under MAX_TOTAL_CONNECTIONS: a pool that has connections of its own takes only the room
 * of a connection idle long, of a pool that keeps one after; a pool without any takes the longest-idle of all.
 */
class PoolSetTest {

    private final PoolSet set = new PoolSet();
    private final List<EmbeddedChannel> channels = new ArrayList<>();
    private final long longAgo = System.nanoTime() - CapacityPolicy.STEAL_IDLE_AFTER.toNanos() * 10;

    @AfterEach
    void close() {
        channels.forEach(EmbeddedChannel::finishAndReleaseAll);
    }

    private BackendConnection idle(BackendPool pool, long since) {
        EmbeddedChannel ch = new EmbeddedChannel();
        channels.add(ch);
        BackendConnection c = new BackendConnection(ch, pool.database, pool, Long.MAX_VALUE);
        set.opening(pool);
        c.idleSinceNanos = since;
        pool.addIdle(c);
        return c;
    }

    private BackendConnection busy(BackendPool pool) {
        EmbeddedChannel ch = new EmbeddedChannel();
        channels.add(ch);
        set.opening(pool);
        return new BackendConnection(ch, pool.database, pool, Long.MAX_VALUE);
    }

    @Test
    void aPoolWithConnectionsNeverTakesAnotherPoolsLastOne() {
        BackendPool quiet = set.pool(new PoolKey(null, "quiet"));
        BackendPool asking = set.pool(new PoolKey(null, "asking"));
        idle(quiet, longAgo);
        busy(asking);
        assertThat(set.load(asking).longIdleConnectionElsewhere()).as("quiet's only connection").isFalse();
        assertThat(set.load(asking).idleConnectionElsewhere()).isTrue();

        BackendPool empty = set.pool(new PoolKey(null, "empty"));
        List<Runnable> actions = new ArrayList<>();
        set.closeIdleConnectionElsewhere(empty, actions);
        assertThat(quiet.size()).as("a pool without connections may take it: it has nothing to wait for").isZero();
        assertThat(actions).hasSize(1);
    }

    @Test
    void aPoolWithoutConnectionsTakesOneOfAPoolWithTwoBeforeAnotherPoolsLast() {
        BackendPool quiet = set.pool(new PoolKey(null, "quiet"));
        BackendPool pair = set.pool(new PoolKey(null, "pair"));
        idle(quiet, longAgo - 1_000_000); // idle longer, but quiet's last
        idle(pair, System.nanoTime());
        busy(pair);
        List<Runnable> actions = new ArrayList<>();
        set.closeIdleConnectionElsewhere(set.pool(new PoolKey(null, "empty")), actions);
        assertThat(quiet.size()).isEqualTo(1);
        assertThat(pair.size()).isEqualTo(1);
    }

    @Test
    void aPoolWithConnectionsTakesTheRoomOfOneIdleLongOfAPoolWithTwo() {
        BackendPool quiet = set.pool(new PoolKey(null, "quiet"));
        BackendPool pair = set.pool(new PoolKey(null, "pair"));
        BackendPool asking = set.pool(new PoolKey(null, "asking"));
        idle(quiet, longAgo - 1_000_000); // the longest idle of all, but quiet's last
        BackendConnection recent = idle(pair, System.nanoTime());
        busy(pair);
        busy(asking);
        assertThat(set.load(asking).longIdleConnectionElsewhere()).as("pair's only idle one went idle just now").isFalse();

        pair.removeIdle(recent);
        recent.idleSinceNanos = longAgo;
        pair.addIdle(recent);
        assertThat(set.load(asking).longIdleConnectionElsewhere()).isTrue();
        List<Runnable> actions = new ArrayList<>();
        set.closeIdleConnectionElsewhere(asking, actions);
        assertThat(pair.size()).as("pair gave one of its two").isEqualTo(1);
        assertThat(quiet.size()).as("quiet keeps its last").isEqualTo(1);
    }
}
