package org.stonescriptdb.gateway.pool;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import org.stonescriptdb.gateway.config.GatewayConfig;
import org.stonescriptdb.gateway.metrics.ProxyCounters;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Logger;

/**
 * Hands out backend connections: one lazy pool per database, at most {@code MAX_CONNECTIONS_PER_POOL} each,
 * {@code MAX_TOTAL_CONNECTIONS} in all and {@code MAX_POOLS} pools holding connections. A client that cannot
 * be served at once waits; waiters are served in arrival order across all databases, and when the global
 * cap is what stands in the way, an idle connection of another database is closed to make room.
 *
 * <p>All bookkeeping happens under one short lock that never spans I/O; promises are completed after it is
 * released, on the requesting client's event loop. Nothing here blocks an event loop.
 */
public final class PoolManager {

    private static final Logger LOG = Logger.getLogger(PoolManager.class.getName());

    /** How long the oldest waiter of a pool may be passed over by a waiter on the connection's own loop. */
    private static final Duration SAME_LOOP_GRACE = Duration.ofMillis(1);
    private static final int SAME_LOOP_LOOKAHEAD = 16;

    private final GatewayConfig config;
    private final BackendConnector connector;
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<String, BackendPool> pools = new HashMap<>();
    /** Pools with clients waiting (each pool keeps its own queue, in arrival order). */
    private final LinkedHashSet<BackendPool> poolsWithWaiters = new LinkedHashSet<>();
    private int waiting;
    private long arrivals;
    private int totalConnections;
    private boolean closed;
    private long sameLoopGraceNanos = SAME_LOOP_GRACE.toNanos();
    /** The one timer that fails waiters past CONNECTION_TIMEOUT_SECS (see {@link #armExpiry}); null when none wait. */
    private ScheduledFuture<?> expiry;

    private final ProxyCounters counters;

    public PoolManager(GatewayConfig config, BackendConnector connector) {
        this(config, connector, new ProxyCounters());
    }

    public PoolManager(GatewayConfig config, BackendConnector connector, ProxyCounters counters) {
        this.config = config;
        this.connector = connector;
        this.counters = counters;
    }

    /** For tests: how long a pool's oldest waiter may be passed over for one on the released connection's loop. */
    void sameLoopGrace(Duration grace) {
        lock.lock();
        try {
            sameLoopGraceNanos = grace.toNanos();
        } finally {
            lock.unlock();
        }
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
        Promise<BackendConnection> promise = loop.newPromise();
        List<Runnable> actions = new ArrayList<>(2);
        lock.lock();
        try {
            if (closed) {
                promise.setFailure(new BackendException(null, "the gateway is shutting down"));
                return promise;
            }
            BackendPool pool = pools.computeIfAbsent(database, BackendPool::new);
            pool.lastUsedNanos = System.nanoTime();
            Waiter waiter = new Waiter(pool, loop, promise, arrivals++, applicationName);
            // Served right now, the requester gets its answer inline: it called us on its own loop.
            waiter.inline = loop.inEventLoop();
            if (!tryServe(waiter, actions)) {
                waiter.inline = false;
                pool.misses++;
                waiter.queuedAt = System.nanoTime();
                pool.waiters.addLast(waiter);
                poolsWithWaiters.add(pool);
                waiting++;
                if (expiry == null) armExpiry(loop, waiter.queuedAt + config.connectionTimeout().toNanos());
                promise.addListener(f -> {
                    if (f.isCancelled()) withdraw(waiter);
                });
            }
        } finally {
            lock.unlock();
        }
        actions.forEach(Runnable::run);
        return promise;
    }

    /** Gives back a clean connection (idle, no transaction, session state reset) for the next client. */
    public void release(BackendConnection connection) {
        connection.owner(null);
        if (connection.deferWhileCancelling(() -> release(connection))) return;
        List<Runnable> actions = new ArrayList<>(2);
        lock.lock();
        try {
            long now = System.nanoTime();
            if (!connection.counted) {
                return;
            }
            if (closed || !connection.isActive() || connection.dueForRetirement(now) || connection.pool().retired) {
                uncount(connection);
                actions.add(connection::close);
            } else {
                // A previous client may have paused reading for back-pressure; idle connections must hear a FATAL.
                connection.channel().config().setAutoRead(true);
                connection.idleSinceNanos = now;
                connection.pool().idle.addFirst(connection);
            }
            serveWaiters(actions);
        } finally {
            lock.unlock();
        }
        actions.forEach(Runnable::run);
    }

    /** Closes a connection that must not be reused (dirty, broken, or its client vanished mid-query). */
    /**
     * Discards a connection whose query may still be running (its client vanished mid-query): the server is asked to
     * cancel it as well, since closing the socket alone would let it run on, holding its locks, until it next wrote.
     */
    public void discardRunning(BackendConnection connection) {
        if (connection.isActive()) connector.cancel(connection.eventLoop(), connection, () -> { });
        discard(connection);
    }

    public void discard(BackendConnection connection) {
        connection.owner(null);
        List<Runnable> actions = new ArrayList<>(2);
        lock.lock();
        try {
            if (connection.counted) {
                uncount(connection);
                serveWaiters(actions);
            }
        } finally {
            lock.unlock();
        }
        connection.close();
        actions.forEach(Runnable::run);
    }

    private void onClosed(BackendConnection connection) {
        List<Runnable> actions = new ArrayList<>(2);
        lock.lock();
        try {
            if (!connection.counted) return;
            connection.pool().idle.remove(connection);
            uncount(connection);
            serveWaiters(actions);
        } finally {
            lock.unlock();
        }
        actions.forEach(Runnable::run);
    }

    /** Closes idle connections past the idle timeout or their lifetime, and forgets unused empty pools. */
    public void housekeep() {
        List<Runnable> actions = new ArrayList<>();
        lock.lock();
        try {
            long now = System.nanoTime();
            long idleTimeout = config.poolIdleTimeout().toNanos();
            for (Iterator<BackendPool> pit = pools.values().iterator(); pit.hasNext(); ) {
                BackendPool pool = pit.next();
                for (Iterator<BackendConnection> it = pool.idle.iterator(); it.hasNext(); ) {
                    BackendConnection c = it.next();
                    if (now - c.idleSinceNanos > idleTimeout || c.dueForRetirement(now) || !c.isActive()) {
                        it.remove();
                        uncount(c);
                        actions.add(c::close);
                    }
                }
                if (pool.size == 0 && now - pool.lastUsedNanos > idleTimeout && pool.waiters.isEmpty()) pit.remove();
            }
            serveWaiters(actions);
        } finally {
            lock.unlock();
        }
        actions.forEach(Runnable::run);
    }

    /**
     * Closes every idle connection of one database (it is being dropped); busy ones close when released. The pool
     * is forgotten, so a database created again under the same name starts afresh.
     */
    public void closeDatabase(String database) {
        List<Runnable> actions = new ArrayList<>();
        lock.lock();
        try {
            BackendPool pool = pools.remove(database);
            if (pool == null) return;
            pool.retired = true;
            closeIdle(pool, actions);
        } finally {
            lock.unlock();
        }
        actions.forEach(Runnable::run);
    }

    /** Refuses new requests, fails the waiting ones and closes idle connections. */
    public void close() {
        List<Runnable> actions = new ArrayList<>();
        lock.lock();
        try {
            closed = true;
            if (expiry != null) expiry.cancel(false);
            expiry = null;
            for (BackendPool pool : poolsWithWaiters) {
                for (Waiter w : pool.waiters) {
                    actions.add(() -> w.promise.tryFailure(new BackendException(null, "the gateway is shutting down")));
                }
                pool.waiters.clear();
            }
            poolsWithWaiters.clear();
            waiting = 0;
            for (BackendPool pool : pools.values()) closeIdle(pool, actions);
        } finally {
            lock.unlock();
        }
        actions.forEach(Runnable::run);
    }

    public Stats stats() {
        lock.lock();
        try {
            int active = 0, idle = 0;
            for (BackendPool p : pools.values()) {
                if (p.size > 0) active++;
                idle += p.idle.size();
            }
            return new Stats(active, totalConnections, idle, waiting);
        } finally {
            lock.unlock();
        }
    }

    /** Per-database numbers for metrics: size, idle, hits, misses. */
    public List<PoolStats> poolStats() {
        lock.lock();
        try {
            List<PoolStats> out = new ArrayList<>(pools.size());
            for (BackendPool p : pools.values()) out.add(new PoolStats(p.database, p.size, p.idle.size(), p.hits, p.misses));
            return out;
        } finally {
            lock.unlock();
        }
    }

    public record Stats(int activePools, int totalConnections, int idleConnections, int waiting) {
    }

    public record PoolStats(String database, int size, int idle, long hits, long misses) {
    }

    // ---- under the lock ----

    /**
     * Serves a request now if possible: an idle connection on the requester's event loop; else, while the limits
     * allow one more connection without closing anything, a new one on that loop (so each loop's clients come to
     * have backends of their own and the hot path never crosses threads); else any idle connection; else room made
     * by closing an idle connection elsewhere.
     */
    private boolean tryServe(Waiter waiter, List<Runnable> actions) {
        BackendPool pool = waiter.pool;
        BackendConnection local = pool.takeIdleOn(waiter.loop);
        BackendConnection idle = local != null || hasFreeCapacity(pool) ? local : pool.takeAnyIdle();
        if (idle != null) {
            pool.hits++;
            actions.add(() -> deliver(waiter, idle));
            return true;
        }
        if (!makeRoomFor(pool, actions)) return false;
        pool.size++;
        totalConnections++;
        actions.add(() -> open(pool, waiter));
        return true;
    }

    private boolean hasFreeCapacity(BackendPool pool) {
        return pool.size < config.maxConnectionsPerPool() && totalConnections < config.maxTotalConnections()
                && (pool.size > 0 || activePools() < config.maxPools());
    }

    private boolean makeRoomFor(BackendPool pool, List<Runnable> actions) {
        if (pool.size >= config.maxConnectionsPerPool()) return false;
        if (pool.size == 0 && activePools() >= config.maxPools() && !closeIdlePool(pool, actions)) return false;
        return totalConnections < config.maxTotalConnections() || closeIdleConnectionElsewhere(pool, actions);
    }

    private int activePools() {
        int n = 0;
        for (BackendPool p : pools.values()) if (p.size > 0) n++;
        return n;
    }

    /** Closes the least recently used pool whose connections are all idle, to stay within MAX_POOLS. */
    private boolean closeIdlePool(BackendPool except, List<Runnable> actions) {
        BackendPool victim = null;
        for (BackendPool p : pools.values()) {
            if (p != except && p.size > 0 && p.busy() == 0 && (victim == null || p.lastUsedNanos < victim.lastUsedNanos)) victim = p;
        }
        if (victim == null) return false;
        closeIdle(victim, actions);
        return true;
    }

    /** Closes the longest-idle connection of another database, to stay within MAX_TOTAL_CONNECTIONS. */
    private boolean closeIdleConnectionElsewhere(BackendPool except, List<Runnable> actions) {
        BackendConnection victim = null;
        for (BackendPool p : pools.values()) {
            if (p == except) continue;
            BackendConnection oldest = p.idle.peekLast();
            if (oldest != null && (victim == null || oldest.idleSinceNanos < victim.idleSinceNanos)) victim = oldest;
        }
        if (victim == null) return false;
        victim.pool().idle.remove(victim);
        uncount(victim);
        actions.add(victim::close);
        return true;
    }

    /**
     * Serves waiting clients while anything can be served: each time the longest-waiting client whose pool can
     * be served now (an idle connection, or room to open one). Queues are per pool, so a release costs a look at
     * each pool's first waiter, not at every waiting client.
     */
    private void serveWaiters(List<Runnable> actions) {
        while (!poolsWithWaiters.isEmpty()) {
            BackendPool best = null;
            Waiter bestHead = null;
            for (Iterator<BackendPool> it = poolsWithWaiters.iterator(); it.hasNext(); ) {
                BackendPool p = it.next();
                Waiter head = firstLiveWaiter(p);
                if (head == null) {
                    it.remove();
                    continue;
                }
                if ((bestHead == null || head.arrival < bestHead.arrival) && servableNow(p)) {
                    best = p;
                    bestHead = head;
                }
            }
            if (best == null) return;
            long now = System.nanoTime();
            Waiter chosen = sameLoopStandIn(best, bestHead, now);
            if (!tryServe(chosen, actions)) return; // servableNow and tryServe agree; never wait on a mismatch
            if (chosen == bestHead) best.waiters.pollFirst();
            else best.waiters.remove(chosen);
            waiting--;
            if (best.waiters.isEmpty()) poolsWithWaiters.remove(best);
            counters.clientWaited(now - chosen.queuedAt);
        }
    }

    /**
     * Within one pool, a waiter on an event loop that has an idle connection may go before an older waiter whose loop
     * has none — for at most {@link #SAME_LOOP_GRACE} of the older one's wait, and looking only a few places
     * down the queue. A hand-off within one loop needs no write handed to another thread on the way in or out; the
     * older waiter is served by the next release on its own loop, or by any connection once its grace is up.
     * Arrival order across databases is unaffected.
     */
    private Waiter sameLoopStandIn(BackendPool pool, Waiter head, long now) {
        if (now - head.queuedAt > sameLoopGraceNanos || pool.idle.isEmpty() || pool.hasIdleOn(head.loop)) return head;
        int looked = 0;
        for (Waiter w : pool.waiters) {
            if (w == head || w.promise.isDone()) continue;
            if (++looked > SAME_LOOP_LOOKAHEAD) break;
            if (pool.hasIdleOn(w.loop)) return w;
        }
        return head;
    }

    /** The first waiter of {@code pool} still waiting; drops the ones that gave up. */
    private Waiter firstLiveWaiter(BackendPool pool) {
        Waiter head;
        while ((head = pool.waiters.peekFirst()) != null && head.promise.isDone()) {
            pool.waiters.pollFirst();
            waiting--;
        }
        return head;
    }

    /** Whether {@link #tryServe} would succeed for {@code pool} now (without changing anything). */
    private boolean servableNow(BackendPool pool) {
        if (!pool.idle.isEmpty()) return true;
        if (pool.size >= config.maxConnectionsPerPool()) return false;
        if (pool.size == 0 && activePools() >= config.maxPools() && !hasIdlePoolBesides(pool)) return false;
        return totalConnections < config.maxTotalConnections() || hasIdleConnectionBesides(pool);
    }

    private boolean hasIdlePoolBesides(BackendPool except) {
        for (BackendPool p : pools.values()) if (p != except && p.size > 0 && p.busy() == 0) return true;
        return false;
    }

    private boolean hasIdleConnectionBesides(BackendPool except) {
        for (BackendPool p : pools.values()) if (p != except && !p.idle.isEmpty()) return true;
        return false;
    }

    /** Takes every idle connection of {@code pool} out of the counts; they are closed after the lock is released. */
    private void closeIdle(BackendPool pool, List<Runnable> actions) {
        for (BackendConnection c : pool.idle) {
            uncount(c);
            actions.add(c::close);
        }
        pool.idle.clear();
    }

    private void uncount(BackendConnection c) {
        if (!c.counted) return;
        c.counted = false;
        c.pool().size--;
        totalConnections--;
    }

    // ---- outside the lock ----

    private void open(BackendPool pool, Waiter waiter) {
        connector.connect(waiter.loop, pool.database, pool, waiter.applicationName, this::onClosed).addListener(f -> {
            if (f.isSuccess()) {
                BackendConnection c = (BackendConnection) f.getNow();
                deliver(waiter, c);
            } else {
                List<Runnable> actions = new ArrayList<>(2);
                lock.lock();
                try {
                    pool.size--;
                    totalConnections--;
                    serveWaiters(actions);
                } finally {
                    lock.unlock();
                }
                waiter.promise.tryFailure(f.cause());
                actions.forEach(Runnable::run);
            }
        });
    }

    /**
     * Completes a request. A waiter served later (by another client's release) is completed on its own event
     * loop, never inline: the releasing caller may hold its session's lock, and the requester's listener takes
     * its own session's lock — two sessions on two loops could otherwise deadlock.
     */
    private void deliver(Waiter waiter, BackendConnection connection) {
        if (waiter.inline) {
            complete(waiter, connection);
        } else {
            waiter.loop.execute(() -> complete(waiter, connection));
        }
    }

    private void complete(Waiter waiter, BackendConnection connection) {
        if (!waiter.promise.trySuccess(connection)) {
            // The client gave up meanwhile; the connection serves the next one.
            release(connection);
        }
    }

    private void withdraw(Waiter waiter) {
        lock.lock();
        try {
            removeWaiter(waiter);
        } finally {
            lock.unlock();
        }
    }

    private void removeWaiter(Waiter waiter) {
        BackendPool pool = waiter.pool;
        if (!pool.waiters.remove(waiter)) return;
        waiting--;
        if (pool.waiters.isEmpty()) poolsWithWaiters.remove(pool);
    }

    /**
     * Schedules the next look for waiters past CONNECTION_TIMEOUT_SECS. One timer serves all waiters (they time out
     * in arrival order within each pool): a timer per waiter would be scheduled and cancelled for nearly every
     * transaction under load, and cancelling it from another event loop wakes that loop.
     */
    private void armExpiry(EventLoop loop, long deadlineNanos) {
        expiry = loop.schedule(() -> expireWaiters(loop), Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
    }

    /** Fails the waiters that waited CONNECTION_TIMEOUT_SECS, with a message naming the limits in the way. */
    private void expireWaiters(EventLoop loop) {
        List<Runnable> actions = new ArrayList<>();
        lock.lock();
        try {
            expiry = null;
            if (closed) return;
            long now = System.nanoTime();
            long timeout = config.connectionTimeout().toNanos();
            long next = Long.MAX_VALUE;
            for (Iterator<BackendPool> it = poolsWithWaiters.iterator(); it.hasNext(); ) {
                BackendPool pool = it.next();
                Waiter head;
                while ((head = firstLiveWaiter(pool)) != null && now - head.queuedAt >= timeout) {
                    pool.waiters.pollFirst();
                    waiting--;
                    counters.clientWaited(now - head.queuedAt);
                    String message = timeoutMessage(pool);
                    Waiter expired = head;
                    LOG.fine(message);
                    actions.add(() -> expired.promise.tryFailure(new PoolTimeoutException(message)));
                }
                if (head == null) it.remove();
                else next = Math.min(next, head.queuedAt + timeout);
            }
            if (next != Long.MAX_VALUE) armExpiry(loop, next);
        } finally {
            lock.unlock();
        }
        actions.forEach(Runnable::run);
    }

    private String timeoutMessage(BackendPool pool) {
        return "no backend connection for database \"" + pool.database + "\" became free within "
                + seconds(config.connectionTimeout()) + ": " + pool.busy() + " of MAX_CONNECTIONS_PER_POOL="
                + config.maxConnectionsPerPool() + " in use for this database, " + totalConnections + " of MAX_TOTAL_CONNECTIONS="
                + config.maxTotalConnections() + " open in all, " + (waiting + 1) + " clients waiting";
    }

    private static String seconds(Duration d) {
        return d.toSeconds() + " s (CONNECTION_TIMEOUT_SECS)";
    }
}
