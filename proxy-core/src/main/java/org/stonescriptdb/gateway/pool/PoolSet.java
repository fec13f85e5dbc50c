package org.stonescriptdb.gateway.pool;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The pools of a {@link PoolManager} and the count of their connections — the only place the counts change — with
 * what is done across pools: the counts {@link CapacityPolicy} weighs, the connections closed to carry out its
 * decisions or because they idled too long, and the numbers for metrics. It decides nothing about capacity: the
 * manager asks the policy, then tells this what to close.
 *
 * <p>Plain state guarded by the manager's lock. A connection is taken out of the counts here and closed by the caller
 * once the lock is released: each close is added to {@code actions}.
 */
final class PoolSet {

    private final Map<PoolKey, BackendPool> pools = new HashMap<>();
    /** Connections of all pools, open or being opened. */
    private int total;
    /** The counts of one pool, as the policy reads them (one instance, used under the lock). */
    private final PoolLoad load = new PoolLoad();

    /** The pool of {@code key}, created (empty) at its first request. */
    BackendPool pool(PoolKey key) {
        return pools.computeIfAbsent(key, BackendPool::new);
    }

    /** Forgets the pool of {@code key}, returning it (null if there was none). */
    BackendPool remove(PoolKey key) {
        return pools.remove(key);
    }

    /** Connections of all pools, open or being opened. */
    int total() {
        return total;
    }

    /** The counts of {@code pool}, and of all pools, for {@link CapacityPolicy}. */
    CapacityPolicy.Load load(BackendPool pool) {
        return load.of(pool);
    }

    /** A connection is being opened for {@code pool}: it counts from now, so no other request takes its room meanwhile. */
    void opening(BackendPool pool) {
        pool.size++;
        total++;
    }

    /** A connection counted by {@link #opening} could not be opened. */
    void openFailed(BackendPool pool) {
        pool.size--;
        total--;
    }

    /** Takes {@code c} out of the counts, once (it may be closed and discarded both). */
    void uncount(BackendConnection c) {
        if (!c.counted) return;
        c.counted = false;
        c.pool().size--;
        total--;
    }

    /** Takes every idle connection of {@code pool} out of the counts; they are closed after the lock is released. */
    void closeIdle(BackendPool pool, List<Runnable> actions) {
        for (BackendConnection c : pool.idle) {
            uncount(c);
            actions.add(c::close);
        }
        pool.idle.clear();
    }

    /** Closes the idle connections of every pool (the manager is closing). */
    void closeAllIdle(List<Runnable> actions) {
        for (BackendPool pool : pools.values()) closeIdle(pool, actions);
    }

    /** Closes the least recently used pool whose connections are all idle, to stay within MAX_POOLS. */
    void closeIdlePool(BackendPool except, List<Runnable> actions) {
        BackendPool victim = null;
        for (BackendPool p : pools.values()) {
            if (p != except && p.size > 0 && p.busy() == 0 && (victim == null || p.lastUsedNanos < victim.lastUsedNanos)) victim = p;
        }
        closeIdle(victim, actions);
    }

    /** Closes the longest-idle connection of another pool, to stay within MAX_TOTAL_CONNECTIONS. */
    void closeIdleConnectionElsewhere(BackendPool except, List<Runnable> actions) {
        BackendConnection victim = null;
        for (BackendPool p : pools.values()) {
            if (p == except) continue;
            BackendConnection oldest = p.idle.peekLast();
            if (oldest != null && (victim == null || oldest.idleSinceNanos < victim.idleSinceNanos)) victim = oldest;
        }
        victim.pool().idle.remove(victim);
        uncount(victim);
        actions.add(victim::close);
    }

    /**
     * Closes idle connections past {@code idleTimeout} or their lifetime, or already closed, and forgets the empty pools
     * unused for as long that no client waits for ({@code waitedFor}).
     */
    void closeStale(long now, long idleTimeout, Predicate<BackendPool> waitedFor, List<Runnable> actions) {
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
            if (pool.size == 0 && now - pool.lastUsedNanos > idleTimeout && !waitedFor.test(pool)) pit.remove();
        }
    }

    /** The totals, with {@code waiting} clients. */
    PoolManager.Stats stats(int waiting) {
        int active = 0, idle = 0;
        for (BackendPool p : pools.values()) {
            if (p.size > 0) active++;
            idle += p.idle.size();
        }
        return new PoolManager.Stats(active, total, idle, waiting);
    }

    /** Per-pool numbers for metrics, named by database (each server's pool of a database has its own entry). */
    List<PoolManager.PoolStats> poolStats() {
        List<PoolManager.PoolStats> out = new ArrayList<>(pools.size());
        for (BackendPool p : pools.values()) out.add(new PoolManager.PoolStats(p.database, p.size, p.idle.size(), p.hits, p.misses));
        return out;
    }

    /** The counts of one pool and of all, for {@link CapacityPolicy}; the looks at every pool only when it asks. */
    private final class PoolLoad implements CapacityPolicy.Load {
        private BackendPool pool;

        PoolLoad of(BackendPool pool) {
            this.pool = pool;
            return this;
        }

        @Override
        public int size() {
            return pool.size;
        }

        @Override
        public int idle() {
            return pool.idle.size();
        }

        @Override
        public int total() {
            return total;
        }

        @Override
        public int activePools() {
            int n = 0;
            for (BackendPool p : pools.values()) if (p.size > 0) n++;
            return n;
        }

        @Override
        public boolean idlePoolElsewhere() {
            for (BackendPool p : pools.values()) if (p != pool && p.size > 0 && p.busy() == 0) return true;
            return false;
        }

        @Override
        public boolean idleConnectionElsewhere() {
            for (BackendPool p : pools.values()) if (p != pool && !p.idle.isEmpty()) return true;
            return false;
        }
    }
}
