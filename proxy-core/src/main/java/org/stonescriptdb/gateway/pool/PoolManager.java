package org.stonescriptdb.gateway.pool;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import org.stonescriptdb.gateway.config.GatewayConfig;
import org.stonescriptdb.gateway.metrics.ProxyCounters;
import org.stonescriptdb.gateway.pool.CapacityPolicy.CloseIdleConnection;
import org.stonescriptdb.gateway.pool.CapacityPolicy.CloseIdlePool;
import org.stonescriptdb.gateway.pool.CapacityPolicy.Open;
import org.stonescriptdb.gateway.pool.CapacityPolicy.ReuseIdle;
import org.stonescriptdb.gateway.pool.CapacityPolicy.Wait;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Hands out backend connections: one lazy pool per database and server ({@link PoolKey}: the server is the one the
 * connector's {@link org.stonescriptdb.gateway.routing.BackendRouter} names), at most {@code MAX_CONNECTIONS_PER_POOL} each,
 * {@code MAX_TOTAL_CONNECTIONS} in all and {@code MAX_POOLS} pools holding connections. A client that cannot
 * be served at once waits; waiters are served in arrival order across all databases, and when the global
 * cap is what stands in the way, an idle connection of another database is closed to make room. What the limits
 * allow is decided in one place, {@link CapacityPolicy}; who waits and who goes next, in {@link WaiterQueue}; the pools,
 * their counts and what is closed across them are {@link PoolSet}'s; a wait too long ends in {@link WaiterTimeouts};
 * with {@code MAX_POOLS} pools busy, {@link PoolDrain} says whom the open pools drain for.
 *
 * <p>All bookkeeping happens under one short {@link ActionLock} that never spans I/O; promises are completed after it
 * is released, on the requesting client's event loop. Nothing here blocks an event loop.
 */
public final class PoolManager {

    /** How long the oldest waiter of a pool may be passed over by a waiter on the connection's own loop. */
    private static final Duration SAME_LOOP_GRACE = Duration.ofMillis(1);

    /** Replaced by {@link #reconfigure} (a reload): read under the lock. */
    private GatewayConfig config;
    private final BackendConnector connector;
    /** Replaced by {@link #reconfigure}: read under the lock. */
    private CapacityPolicy policy;
    private final ActionLock lock = new ActionLock();
    private final PoolSet pools = new PoolSet();
    private final PausedDatabases paused = new PausedDatabases();
    private final WaiterQueue waiters = new WaiterQueue(SAME_LOOP_GRACE);
    private final PoolDrain drain = new PoolDrain(waiters, pools, paused);
    private final Predicate<BackendPool> servable = this::servable;
    private final Consumer<BackendConnection> release = this::release;
    private boolean closed;
    private final WaiterTimeouts timeouts;
    private final ProxyCounters counters;

    public PoolManager(GatewayConfig config, BackendConnector connector) {
        this(config, connector, new ProxyCounters());
    }

    public PoolManager(GatewayConfig config, BackendConnector connector, ProxyCounters counters) {
        this.config = config;
        this.connector = connector;
        this.counters = counters;
        this.policy = policyFor(config);
        this.timeouts = new WaiterTimeouts(lock, config, waiters, pools, counters, () -> closed);
    }

    private static CapacityPolicy policyFor(GatewayConfig config) {
        return new CapacityPolicy(new CapacityPolicy.Limits(config.maxConnectionsPerPool(), config.maxTotalConnections(), config.maxPools()));
    }

    /**
     * Takes new pool limits and timeouts (a reload): {@code MAX_CONNECTIONS_PER_POOL}, {@code MAX_TOTAL_CONNECTIONS},
     * {@code MAX_POOLS}, {@code POOL_IDLE_TIMEOUT_SECS} and {@code QUERY_WAIT_TIMEOUT_SECS}. Higher limits serve waiting
     * clients at once; under lower ones, connections beyond them close as they are released.
     */
    public void reconfigure(GatewayConfig newConfig) {
        lock.withActions(actions -> {
            config = newConfig;
            policy = policyFor(newConfig);
            timeouts.reconfigure(newConfig);
            pools.closeIdleOver(newConfig.maxConnectionsPerPool(), newConfig.maxTotalConnections(), actions);
            serveWaiters(actions);
        });
    }

    /** The pool limits and timeouts in effect (the start's, or a reload's). */
    public GatewayConfig config() {
        return lock.read(() -> config);
    }

    /** For tests: how long a pool's oldest waiter may be passed over for one on the released connection's loop. */
    void sameLoopGrace(Duration grace) {
        lock.change(() -> waiters.sameLoopGrace(grace));
    }

    /** For tests: how long a client waiting for a pool of its own waits before the open pools are drained for it. */
    void drainAfter(Duration wait) {
        lock.change(() -> drain.after(wait));
    }

    /**
     * A logged-in, idle backend connection to {@code database}, completed on {@code loop}. Cancelling the
     * returned future withdraws the request.
     */
    public Future<BackendConnection> acquire(String database, EventLoop loop) {
        return acquire(database, loop, null);
    }

    /**
     * @param applicationName the requesting client's application_name: a connection opened for it starts with that
     *                        value, so the session reset (RESET ALL) returns to it and clients of one application need no
     *                        replay of it after each hand-over; null for the gateway's own name
     */
    public Future<BackendConnection> acquire(String database, EventLoop loop, String applicationName) {
        return acquire(database, loop, applicationName, null);
    }

    /**
     * @param owner the requesting client (a backend's {@link BackendConnection#stateOwner}): an idle connection it used
     *              last is preferred, since it needs no session reset; null for no preference
     */
    public Future<BackendConnection> acquire(String database, EventLoop loop, String applicationName, Object owner) {
        PoolKey key = keyOf(database);
        boolean onItsLoop = loop.inEventLoop();
        Promise<BackendConnection> promise;
        List<Runnable> actions;
        lock.lock();
        try {
            if (closed) return loop.newFailedFuture(new BackendException(null, "the gateway is shutting down"));
            BackendPool pool = pools.pool(key);
            long now = System.nanoTime();
            pool.lastUsedNanos = now;
            boolean draining = drain.forWhom(now, config.maxPools(), policy) != null;
            if (onItsLoop && !draining) {
                // The common case, answered with no waiter, promise or deferred action: an idle connection on the
                // requester's own loop, which tryServe would take first too.
                BackendConnection idle = takeIdleOn(pool, owner, loop);
                if (idle != null) return loop.newSucceededFuture(idle);
            }
            promise = loop.newPromise();
            actions = ActionLock.actions();
            Waiter waiter = new Waiter(pool, loop, promise, applicationName, owner);
            // Served right now, the requester gets its answer inline: it called us on its own loop.
            waiter.inline = onItsLoop;
            if (draining || !tryServe(waiter, actions)) {
                waiter.inline = false;
                pool.misses++;
                waiters.add(waiter, System.nanoTime());
                timeouts.queued(waiter);
                promise.addListener(f -> {
                    if (f.isCancelled()) withdraw(waiter);
                });
            }
        } finally {
            lock.unlock();
        }
        ActionLock.run(actions);
        return promise;
    }

    /** Gives back a clean connection (idle, no transaction, session state reset) for the next client. */
    public void release(BackendConnection connection) {
        connection.owner(null);
        if (connection.deferWhileCancelling(() -> release(connection))) return;
        List<Runnable> actions = ActionLock.actions();
        lock.lock();
        try {
            long now = System.nanoTime();
            if (!connection.counted) {
                return;
            }
            if (closed || !connection.isActive() || connection.dueForRetirement(now) || connection.pool().retired
                    || paused.isPaused(connection.pool()) || overLimits(connection.pool())) {
                pools.uncount(connection);
                actions.add(connection::close);
            } else {
                // A previous client may have paused reading for back-pressure; idle connections must hear a FATAL.
                connection.channel().config().setAutoRead(true);
                connection.idleSinceNanos = now;
                connection.pool().addIdle(connection);
            }
            serveWaiters(actions);
        } finally {
            lock.unlock();
        }
        ActionLock.run(actions);
    }

    /**
     * Discards a connection whose query may still be running (its client vanished mid-query): the server is asked to
     * cancel it as well, since closing the socket alone would let it run on, holding its locks, until it next wrote.
     */
    public void discardRunning(BackendConnection connection) {
        if (connection.isActive()) connector.cancel(connection.eventLoop(), connection, () -> { });
        discard(connection);
    }

    /** Closes a connection that must not be reused (dirty, broken, or its client vanished mid-query). */
    public void discard(BackendConnection connection) {
        connection.owner(null);
        lock.withActions(actions -> {
            actions.add(connection::close); // first, as before serving anyone its slot
            if (connection.counted) {
                pools.uncount(connection);
                serveWaiters(actions);
            }
        });
    }

    private void onClosed(BackendConnection connection) {
        lock.withActions(actions -> {
            if (!connection.counted) return;
            connection.pool().removeIdle(connection);
            pools.uncount(connection);
            serveWaiters(actions);
        });
    }

    /** Closes idle connections past the idle timeout or their lifetime, and forgets unused empty pools. */
    public void housekeep() {
        lock.withActions(actions -> {
            pools.closeStale(System.nanoTime(), config.poolIdleTimeout().toNanos(), waiters::hasWaiters, actions);
            serveWaiters(actions);
        });
    }

    /**
     * Closes every idle connection of one database (it is being dropped) on the server it is routed to; busy ones close
     * when released. The pool is forgotten, so a database created again under the same name starts afresh.
     */
    public void closeDatabase(String database) {
        PoolKey key = keyOf(database);
        lock.withActions(actions -> {
            BackendPool pool = pools.remove(key);
            if (pool == null) return;
            pool.retired = true;
            pools.closeIdle(pool, actions);
        });
    }

    /** Refuses new requests, fails the waiting ones and closes idle connections. */
    public void close() {
        lock.withActions(actions -> {
            closed = true;
            timeouts.cancel();
            for (Waiter w : waiters.clear()) {
                actions.add(() -> w.promise.tryFailure(new BackendException(null, "the gateway is shutting down")));
            }
            pools.closeAllIdle(actions);
        });
    }

    public Stats stats() {
        return lock.read(() -> pools.stats(waiters.size()));
    }

    /** Per-database numbers for metrics: size, idle, hits, misses. */
    public List<PoolStats> poolStats() {
        return lock.read(pools::poolStats);
    }

    /**
     * Pauses {@code database} (null: every database), as PgBouncer's PAUSE: its clients' requests wait in line (up to
     * {@code QUERY_WAIT_TIMEOUT_SECS}, as any wait), its idle connections close now and its busy ones as they are
     * released, so the server sees no connection of it once the running transactions end. Returns how many of its
     * connections are still busy.
     */
    public int pause(String database) {
        int[] busy = new int[1];
        lock.withActions(actions -> {
            paused.pause(database);
            for (BackendPool pool : pools.all()) {
                if (!paused.isPaused(pool)) continue;
                pools.closeIdle(pool, actions);
                busy[0] += pool.size();
            }
        });
        return busy[0];
    }

    /** Ends a pause of {@code database} (null: every pause) and serves its waiting clients. */
    public void resume(String database) {
        lock.withActions(actions -> {
            paused.resume(database);
            serveWaiters(actions);
        });
    }

    /** The databases paused now ("*" for a pause of every database). */
    public Set<String> paused() {
        return lock.read(paused::names);
    }

    /** Every idle connection of every pool now (the admin console's SHOW SERVERS; busy ones are their clients'). */
    public List<BackendConnection> idleConnections() {
        return lock.read(pools::idleConnections);
    }

    public record Stats(int activePools, int totalConnections, int idleConnections, int waiting) {
    }

    /** @param waiting clients queued for a connection of this pool now (one that gave up may count until it is dropped) */
    public record PoolStats(String database, int size, int idle, long hits, long misses, int waiting) {
    }

    /** The pool for {@code database}: on the server the routing step names for it. */
    private PoolKey keyOf(String database) {
        return new PoolKey(connector.router().route(database), database);
    }

    // ---- under the lock ----

    /**
     * Serves a request now if possible: an idle connection on the requester's event loop needs no thread hand-off, so
     * it goes first; else whatever {@link CapacityPolicy} decides.
     */
    private boolean tryServe(Waiter waiter, List<Runnable> actions) {
        BackendPool pool = waiter.pool;
        if (paused.isPaused(pool)) return false;
        BackendConnection local = takeIdleOn(pool, waiter.owner, waiter.loop);
        if (local != null) {
            actions.add(() -> waiter.deliver(local, release)); // once the lock is released
            return true;
        }
        switch (policy.decide(pools.load(pool))) {
            case ReuseIdle r -> {
                pool.hits++;
                BackendConnection idle = pool.takeAnyIdle();
                actions.add(() -> waiter.deliver(idle, release));
                return true;
            }
            case Wait w -> {
                return false;
            }
            case CloseIdlePool c -> pools.closeIdlePool(pool, actions);
            case CloseIdleConnection c -> pools.closeIdleConnectionElsewhere(pool, actions);
            case Open o -> {
            }
        }
        pools.opening(pool);
        actions.add(() -> open(pool, waiter));
        return true;
    }

    /** An idle connection of {@code pool} on {@code loop} (the one {@code owner} used last first), unless the pool is paused. */
    private BackendConnection takeIdleOn(BackendPool pool, Object owner, EventLoop loop) {
        if (paused.isPaused(pool)) return null;
        BackendConnection idle = pool.takeIdleFor(owner, loop);
        if (idle != null) pool.hits++;
        return idle;
    }

    /**
     * Serves waiting clients while anything can be served: each time the one {@link WaiterQueue#next} picks among
     * the pools the policy can serve now.
     */
    private void serveWaiters(List<Runnable> actions) {
        while (waiters.size() > 0) {
            long now = System.nanoTime();
            Waiter draining = drain.forWhom(now, config.maxPools(), policy);
            Waiter chosen = draining != null ? draining : waiters.next(now, servable, BackendPool::hasIdleOn);
            if (chosen == null || !tryServe(chosen, actions)) return; // tryServe decides as servable did: never a mismatch
            waiters.remove(chosen);
            counters.clientWaited(now - chosen.queuedAt);
        }
    }

    private boolean servable(BackendPool pool) {
        return !paused.isPaused(pool) && policy.servable(pools.load(pool));
    }

    /** More connections than the limits allow now (they were lowered by a reload): a released one closes. */
    private boolean overLimits(BackendPool pool) {
        return pool.size() > config.maxConnectionsPerPool() || pools.total() > config.maxTotalConnections();
    }


    // ---- outside the lock ----

    private void open(BackendPool pool, Waiter waiter) {
        connector.connect(waiter.loop, pool.database, pool, waiter.applicationName, this::onClosed).addListener(f -> {
            if (f.isSuccess()) {
                BackendConnection c = (BackendConnection) f.getNow();
                waiter.deliver(c, release);
            } else {
                lock.withActions(actions -> {
                    pools.openFailed(pool);
                    serveWaiters(actions);
                    actions.add(0, () -> waiter.promise.tryFailure(f.cause())); // the requester hears first, as before
                });
            }
        });
    }

    private void withdraw(Waiter waiter) {
        lock.change(() -> waiters.remove(waiter));
    }
}
