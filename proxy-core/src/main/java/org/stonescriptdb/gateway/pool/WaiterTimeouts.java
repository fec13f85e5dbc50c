package org.stonescriptdb.gateway.pool;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import org.stonescriptdb.gateway.config.GatewayConfig;
import org.stonescriptdb.gateway.log.ThrottledLog;
import org.stonescriptdb.gateway.metrics.ProxyCounters;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Fails the clients that waited QUERY_WAIT_TIMEOUT_SECS for a backend connection, with a message naming the limits in
 * the way. One timer serves all waiters (they time out in arrival order within each pool): a timer per waiter would be
 * scheduled and cancelled for nearly every transaction under load, and cancelling it from another event loop wakes that
 * loop. Used under {@link PoolManager}'s lock, which the timer takes too.
 */
final class WaiterTimeouts {

    private static final Logger LOG = Logger.getLogger(PoolManager.class.getName());
    /** Timeouts come in floods when the database server is slow: one line a minute, with a count of the others. */
    private static final ThrottledLog THROTTLED = new ThrottledLog(LOG, Duration.ofMinutes(1));

    private final ActionLock lock;
    /** Replaced by {@link #reconfigure}; read under the manager's lock. */
    private GatewayConfig config;
    private final WaiterQueue waiters;
    private final PoolSet pools;
    private final ProxyCounters counters;
    /** Whether the manager is closed: a timer that fires after that does nothing. */
    private final BooleanSupplier closed;
    /** The one timer, for the oldest waiter; null when none wait. */
    private ScheduledFuture<?> expiry;

    /** A reload's timeouts; waits already armed keep their deadline. Under the manager's lock. */
    void reconfigure(GatewayConfig newConfig) {
        this.config = newConfig;
    }

    WaiterTimeouts(ActionLock lock, GatewayConfig config, WaiterQueue waiters, PoolSet pools, ProxyCounters counters,
                   BooleanSupplier closed) {
        this.lock = lock;
        this.config = config;
        this.waiters = waiters;
        this.pools = pools;
        this.counters = counters;
        this.closed = closed;
    }

    /** {@code waiter} joined the queue: the timer is set for it if none is (an older waiter's comes first). */
    void queued(Waiter waiter) {
        if (expiry == null) arm(waiter.loop, waiter.queuedAt + config.queryWaitTimeout().toNanos());
    }

    /** No more timeouts (the manager closes, failing every waiter itself). */
    void cancel() {
        if (expiry != null) expiry.cancel(false);
        expiry = null;
    }

    /** Schedules the next look for waiters past QUERY_WAIT_TIMEOUT_SECS. */
    private void arm(EventLoop loop, long deadlineNanos) {
        expiry = loop.schedule(() -> expire(loop), Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
    }

    /** Fails the waiters that waited QUERY_WAIT_TIMEOUT_SECS, with a message naming the limits in the way. */
    private void expire(EventLoop loop) {
        lock.withActions(actions -> {
            expiry = null;
            if (closed.getAsBoolean()) return;
            long now = System.nanoTime();
            long next = waiters.expire(now, config.queryWaitTimeout().toNanos(), expired -> {
                counters.clientWaited(now - expired.queuedAt);
                String message = message(expired.pool);
                THROTTLED.log(Level.WARNING, "pool timeout", message);
                actions.add(() -> expired.promise.tryFailure(new PoolTimeoutException(message)));
            });
            if (next != Long.MAX_VALUE) arm(loop, next);
        });
    }

    /** Names the wait, the limits in the way, and what an operator may change. */
    private String message(BackendPool pool) {
        boolean poolFull = pool.busy() >= config.maxConnectionsPerPool();
        return "no backend connection for database \"" + pool.database + "\" became free within "
                + config.queryWaitTimeout().toSeconds() + " s (QUERY_WAIT_TIMEOUT_SECS): " + pool.busy()
                + " of MAX_CONNECTIONS_PER_POOL=" + config.maxConnectionsPerPool() + " in use for this database, " + pools.total()
                + " of MAX_TOTAL_CONNECTIONS=" + config.maxTotalConnections() + " open in all, " + (waiters.size() + 1)
                + " clients waiting; raise " + (poolFull ? "MAX_CONNECTIONS_PER_POOL" : "MAX_TOTAL_CONNECTIONS or MAX_POOLS")
                + " or QUERY_WAIT_TIMEOUT_SECS, or shorten the transactions that hold them (opening a connection has its own"
                + " limit, CONNECTION_TIMEOUT_SECS=" + config.connectionTimeout().toSeconds() + ")";
    }
}
