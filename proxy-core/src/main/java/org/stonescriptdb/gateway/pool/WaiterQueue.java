package org.stonescriptdb.gateway.pool;

import io.netty.channel.EventLoop;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.function.BiPredicate;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The clients waiting for a backend connection: one queue per pool, in arrival order, and the count of all of them
 * (the only place it changes). It decides who goes next — the longest-waiting client whose pool can be served — but
 * not whether a pool can be served: that is asked of the caller. Guarded by {@link PoolManager}'s lock.
 *
 * <p>Queues are per pool, so choosing costs a look at each pool's first waiter, not at every waiting client. A
 * client that gave up (cancelled) is dropped when it comes to the front, or at once through {@link #remove}.
 */
final class WaiterQueue {

    /** How far down a pool's queue a waiter on the connection's own loop is looked for. */
    private static final int SAME_LOOP_LOOKAHEAD = 16;

    /** Pools with clients waiting (each pool keeps its own queue, {@link BackendPool#waiters}). */
    private final LinkedHashSet<BackendPool> poolsWithWaiters = new LinkedHashSet<>();
    private int size;
    private long arrivals;
    private long sameLoopGraceNanos;

    /** @param sameLoopGrace how long a pool's oldest waiter may be passed over for one on the connection's own loop */
    WaiterQueue(Duration sameLoopGrace) {
        sameLoopGraceNanos = sameLoopGrace.toNanos();
    }

    void sameLoopGrace(Duration grace) {
        sameLoopGraceNanos = grace.toNanos();
    }

    /** Clients waiting (some may have given up and not been dropped yet). */
    int size() {
        return size;
    }

    boolean hasWaiters(BackendPool pool) {
        return !pool.waiters.isEmpty();
    }

    /** Queues {@code waiter} behind every client queued before it, in any pool. */
    void add(Waiter waiter, long now) {
        waiter.arrival = arrivals++;
        waiter.queuedAt = now;
        waiter.pool.waiters.addLast(waiter);
        poolsWithWaiters.add(waiter.pool);
        size++;
    }

    /** Takes out a client that was served or stopped waiting; nothing if it is no longer queued. */
    void remove(Waiter waiter) {
        if (leave(waiter) && waiter.pool.waiters.isEmpty()) poolsWithWaiters.remove(waiter.pool);
    }

    /**
     * The client to serve next, left queued until it is {@link #remove removed}; null if none can be served. It is the
     * longest-waiting client whose pool is {@code servable} — or, within that pool, a younger one on an event loop
     * where the pool has an idle connection ({@code idleOn}), while the older one has waited less than the grace.
     */
    Waiter next(long now, Predicate<BackendPool> servable, BiPredicate<BackendPool, EventLoop> idleOn) {
        Waiter best = null;
        for (Iterator<BackendPool> it = poolsWithWaiters.iterator(); it.hasNext(); ) {
            BackendPool p = it.next();
            Waiter head = firstLive(p);
            if (head == null) {
                it.remove();
                continue;
            }
            if ((best == null || head.arrival < best.arrival) && servable.test(p)) best = head;
        }
        return best == null ? null : sameLoopStandIn(best, now, idleOn);
    }

    /** The longest-waiting client of all pools, left queued; null if none waits. */
    Waiter oldest() {
        Waiter best = null;
        for (Iterator<BackendPool> it = poolsWithWaiters.iterator(); it.hasNext(); ) {
            Waiter head = firstLive(it.next());
            if (head == null) {
                it.remove();
                continue;
            }
            if (best == null || head.arrival < best.arrival) best = head;
        }
        return best;
    }

    /**
     * Takes out the clients that have waited {@code timeout} or longer, oldest of each pool first, and hands each to
     * {@code expired} as it leaves (so {@link #size} then counts the ones still waiting).
     *
     * @return when the next of the remaining clients times out (System.nanoTime), or {@link Long#MAX_VALUE} if none waits
     */
    long expire(long now, long timeout, Consumer<Waiter> expired) {
        long next = Long.MAX_VALUE;
        for (Iterator<BackendPool> it = poolsWithWaiters.iterator(); it.hasNext(); ) {
            BackendPool pool = it.next();
            Waiter head;
            while ((head = firstLive(pool)) != null && now - head.queuedAt >= timeout) {
                leave(head);
                expired.accept(head);
            }
            if (head == null) it.remove();
            else next = Math.min(next, head.queuedAt + timeout);
        }
        return next;
    }

    /** Empties every queue; returns the clients that were in them. */
    List<Waiter> clear() {
        List<Waiter> all = new ArrayList<>(size);
        for (BackendPool pool : poolsWithWaiters) {
            all.addAll(pool.waiters);
            pool.waiters.clear();
        }
        poolsWithWaiters.clear();
        size = 0;
        return all;
    }

    /**
     * Within one pool, a waiter on an event loop that has an idle connection may go before an older waiter whose loop
     * has none — for at most the grace of the older one's wait, and looking only a few places down the queue. A
     * hand-off within one loop needs no write handed to another thread on the way in or out; the older waiter is
     * served by the next release on its own loop, or by any connection once its grace is up. Arrival order across
     * pools is unaffected.
     */
    private Waiter sameLoopStandIn(Waiter head, long now, BiPredicate<BackendPool, EventLoop> idleOn) {
        BackendPool pool = head.pool;
        if (now - head.queuedAt > sameLoopGraceNanos || idleOn.test(pool, head.loop)) return head;
        int looked = 0;
        for (Waiter w : pool.waiters) {
            if (w == head || w.gaveUp()) continue;
            if (++looked > SAME_LOOP_LOOKAHEAD) break;
            if (idleOn.test(pool, w.loop)) return w;
        }
        return head;
    }

    /** The first client of {@code pool} still waiting; drops the ones that gave up before it. */
    private Waiter firstLive(BackendPool pool) {
        Waiter head;
        while ((head = pool.waiters.peekFirst()) != null && head.gaveUp()) leave(head);
        return head;
    }

    /** Takes {@code waiter} out of its pool's queue (at once if it is the first); whether it was there. */
    private boolean leave(Waiter waiter) {
        ArrayDeque<Waiter> queue = waiter.pool.waiters;
        boolean left = queue.peekFirst() == waiter ? queue.pollFirst() != null : queue.remove(waiter);
        if (left) size--;
        return left;
    }
}
