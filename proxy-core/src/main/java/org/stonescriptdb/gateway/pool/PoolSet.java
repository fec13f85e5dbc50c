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
    /** Counts across the pools, kept by each pool as it changes (also for a dropped pool until its last connection goes). */
    private final PoolTotals totals = new PoolTotals();
    /** The pools that have idle connections ({@link #refreshMemo}), worked out at most once per change of any pool. */
    private BackendPool[] memoPools = new BackendPool[0];
    /** For each of {@link #memoPools}, when its longest-idle connection went idle (System.nanoTime). */
    private long[] longestIdleMemo = new long[0];
    /** {@link PoolTotals#changes} when the memo was worked out, -1: never. */
    private long memoAt = -1;
    /** The counts of one pool, as the policy reads them (one instance, used under the lock). */
    private final PoolLoad load = new PoolLoad();

    /** The pool of {@code key}, created (empty) at its first request. */
    BackendPool pool(PoolKey key) {
        return pools.computeIfAbsent(key, k -> new BackendPool(k, totals));
    }

    /** Forgets the pool of {@code key}, returning it (null if there was none). */
    BackendPool remove(PoolKey key) {
        return pools.remove(key);
    }

    /** Pools holding at least one connection. */
    int activePools() {
        return totals.activePools;
    }

    /** Connections of all pools, open or being opened. */
    int total() {
        return totals.connections;
    }

    /** The counts of {@code pool}, and of all pools, for {@link CapacityPolicy}. */
    CapacityPolicy.Load load(BackendPool pool) {
        return load.of(pool);
    }

    /** A connection is being opened for {@code pool}: it counts from now, so no other request takes its room meanwhile. */
    void opening(BackendPool pool) {
        pool.countOne();
    }

    /** A connection counted by {@link #opening} could not be opened. */
    void openFailed(BackendPool pool) {
        pool.uncountOne();
    }

    /** Takes {@code c} out of the counts, once (it may be closed and discarded both). */
    void uncount(BackendConnection c) {
        if (!c.counted) return;
        c.counted = false;
        c.pool().uncountOne();
    }

    /** Takes every idle connection of {@code pool} out of the counts; they are closed after the lock is released. */
    void closeIdle(BackendPool pool, List<Runnable> actions) {
        pool.takeIdleWhere(c -> true, c -> close(c, actions));
    }

    /** Takes an idle connection that is out of its pool's idle ones out of the counts, and closes it after the lock. */
    private void close(BackendConnection c, List<Runnable> actions) {
        uncount(c);
        actions.add(c::close);
    }

    /**
     * Closes idle connections over lowered limits (a reload): a pool's beyond {@code maxPerPool}, then any pool's while
     * the total is beyond {@code maxTotal}. Busy ones over the limits close as they are released.
     */
    void closeIdleOver(int maxPerPool, int maxTotal, List<Runnable> actions) {
        for (BackendPool pool : pools.values()) {
            int[] excess = {pool.size() - maxPerPool};
            if (excess[0] > 0) pool.takeIdleWhere(c -> excess[0]-- > 0, c -> close(c, actions));
        }
        for (BackendPool pool : pools.values()) {
            if (totals.connections <= maxTotal) break;
            int[] excess = {totals.connections - maxTotal};
            pool.takeIdleWhere(c -> excess[0]-- > 0, c -> close(c, actions));
        }
    }

    /** Closes the idle connections of every pool (the manager is closing). */
    void closeAllIdle(List<Runnable> actions) {
        for (BackendPool pool : pools.values()) closeIdle(pool, actions);
    }

    /** Closes the least recently used pool whose connections are all idle, to stay within MAX_POOLS. */
    void closeIdlePool(BackendPool except, List<Runnable> actions) {
        BackendPool victim = null;
        for (BackendPool p : pools.values()) {
            if (p != except && p.size() > 0 && p.busy() == 0 && (victim == null || p.lastUsedNanos < victim.lastUsedNanos)) victim = p;
        }
        closeIdle(victim, actions);
    }

    /**
     * Closes the longest-idle connection of another pool, to stay within MAX_TOTAL_CONNECTIONS: one of a pool that keeps
     * a connection after, if there is one — a pool's last connection taken makes its next client take another's, and
     * connections go round the databases; a pool's last only for a pool that has none (and so nothing to wait for) when
     * no other is idle. (For a pool with connections of its own the policy has checked that a long-idle one exists.)
     */
    void closeIdleConnectionElsewhere(BackendPool except, List<Runnable> actions) {
        BackendConnection victim = null;
        BackendConnection last = null;
        for (BackendPool p : pools.values()) {
            if (p == except) continue;
            BackendConnection oldest = p.longestIdle();
            if (oldest == null) continue;
            if (p.size() >= 2) {
                if (victim == null || oldest.idleSinceNanos < victim.idleSinceNanos) victim = oldest;
            } else if (last == null || oldest.idleSinceNanos < last.idleSinceNanos) {
                last = oldest;
            }
        }
        if (victim == null) victim = last;
        victim.pool().removeIdle(victim);
        close(victim, actions);
    }

    /**
     * Closes idle connections past {@code idleTimeout} or their lifetime, or already closed, and forgets the empty pools
     * unused for as long that no client waits for ({@code waitedFor}).
     */
    void closeStale(long now, long idleTimeout, Predicate<BackendPool> waitedFor, List<Runnable> actions) {
        for (Iterator<BackendPool> pit = pools.values().iterator(); pit.hasNext(); ) {
            BackendPool pool = pit.next();
            pool.takeIdleWhere(c -> now - c.idleSinceNanos > idleTimeout || c.dueForRetirement(now) || !c.isActive(),
                    c -> close(c, actions));
            if (pool.size() == 0 && now - pool.lastUsedNanos > idleTimeout && !waitedFor.test(pool)) pit.remove();
        }
    }

    /** The totals, with {@code waiting} clients. */
    PoolManager.Stats stats(int waiting) {
        return new PoolManager.Stats(totals.activePools, totals.connections, totals.idleConnections, waiting);
    }

    /** Per-pool numbers for metrics, named by database (each server's pool of a database has its own entry). */
    /** The open pools (a copy). */
    List<BackendPool> all() {
        return List.copyOf(pools.values());
    }

    List<BackendConnection> idleConnections() {
        List<BackendConnection> out = new ArrayList<>();
        for (BackendPool p : pools.values()) out.addAll(p.idleConnections());
        return out;
    }

    List<PoolManager.PoolStats> poolStats() {
        List<PoolManager.PoolStats> out = new ArrayList<>(pools.size());
        for (BackendPool p : pools.values()) out.add(new PoolManager.PoolStats(p.database, p.size(), p.idleCount(), p.hits, p.misses, p.waiters.size()));
        return out;
    }

    /**
     * The pools with idle connections and when each one's longest-idle connection went idle, worked out again only if a
     * pool changed since: releases with many databases waiting ask once per waiting database.
     */
    private void refreshMemo() {
        if (memoAt == totals.changes) return;
        List<BackendPool> withIdle = new ArrayList<>();
        for (BackendPool p : pools.values()) if (p.longestIdle() != null) withIdle.add(p);
        memoPools = withIdle.toArray(BackendPool[]::new);
        longestIdleMemo = new long[memoPools.length];
        for (int i = 0; i < memoPools.length; i++) longestIdleMemo[i] = memoPools[i].longestIdle().idleSinceNanos;
        memoAt = totals.changes;
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
            return pool.size();
        }

        @Override
        public int idle() {
            return pool.idleCount();
        }

        @Override
        public int total() {
            return totals.connections;
        }

        @Override
        public int activePools() {
            return totals.activePools;
        }

        @Override
        public boolean idlePoolElsewhere() {
            boolean selfIdle = pool.size() > 0 && pool.busy() == 0;
            return totals.idlePools - (selfIdle ? 1 : 0) > 0;
        }

        @Override
        public boolean longIdleConnectionElsewhere() {
            long cutoff = System.nanoTime() - CapacityPolicy.STEAL_IDLE_AFTER.toNanos();
            refreshMemo();
            for (int i = 0; i < memoPools.length; i++) {
                if (memoPools[i] != pool && memoPools[i].size() > 1 && longestIdleMemo[i] <= cutoff) return true;
            }
            return false;
        }

        @Override
        public boolean idleConnectionElsewhere() {
            return totals.idleConnections - pool.idleCount() > 0;
        }
    }
}
