package org.stonescriptdb.gateway.pool;

import java.time.Duration;

/**
 * Who the open pools are being drained for, if anyone. With {@code MAX_POOLS} pools open and every one of them in
 * use, a client of another database is served only once some pool has no connection in use; but serving the clients
 * of the open pools keeps them in use, so with more busy databases than {@code MAX_POOLS} the others would wait until
 * they time out. So once the longest-waiting client has waited {@link #DRAIN_AFTER} for a pool of its own, no one else
 * is served: the first pool whose connections all come back is closed for it (the least recently used, if several),
 * and serving resumes. Each database waits its turn, as in arrival order; {@code MAX_TOTAL_CONNECTIONS} needs no such
 * drain, since any idle connection makes room. Used under {@link PoolManager}'s lock.
 */
final class PoolDrain {

    /** How long the longest-waiting client may wait for a pool of its own before the open pools are drained for it. */
    static final Duration DRAIN_AFTER = Duration.ofMillis(50);

    private final WaiterQueue waiters;
    private final PoolSet pools;
    private final PausedDatabases paused;
    private long afterNanos = DRAIN_AFTER.toNanos();

    PoolDrain(WaiterQueue waiters, PoolSet pools, PausedDatabases paused) {
        this.waiters = waiters;
        this.pools = pools;
        this.paused = paused;
    }

    /** For tests: another wait than {@link #DRAIN_AFTER}. */
    void after(Duration wait) {
        afterNanos = wait.toNanos();
    }

    /** The client the open pools are being drained for now, or null. */
    Waiter forWhom(long now, int maxPools, CapacityPolicy policy) {
        // Both counts are at hand: the look for the oldest waiter is paid only when MAX_POOLS pools are open.
        if (waiters.size() == 0 || pools.activePools() < maxPools) return null;
        Waiter oldest = waiters.oldest();
        if (oldest == null || now - oldest.queuedAt < afterNanos || paused.isPaused(oldest.pool)) return null;
        return policy.decide(pools.load(oldest.pool)) == CapacityPolicy.WAIT_POOLS ? oldest : null;
    }
}
