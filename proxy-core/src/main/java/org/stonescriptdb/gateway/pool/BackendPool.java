package org.stonescriptdb.gateway.pool;

import io.netty.channel.EventLoop;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The backend connections of one database on one server ({@link PoolKey}). Plain state guarded by {@link PoolManager}'s
 * lock. Its count and its idle connections change only through the methods here, which keep the {@link PoolTotals}
 * of all pools in step.
 */
final class BackendPool {

    final PoolKey key;
    /** The key's database, which the connections log in to. */
    final String database;
    /** Most recently used first, so warm connections are reused and cold ones age out. */
    private final ArrayDeque<BackendConnection> idle = new ArrayDeque<>();
    /** Clients waiting for a connection of this pool, in arrival order (changed only by {@link WaiterQueue}). */
    final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
    private final PoolTotals totals;
    /** Connections open or being opened. */
    private int size;
    long lastUsedNanos;
    long hits;
    long misses;
    /** The database was dropped: connections still in use are closed when released, not pooled. */
    boolean retired;

    /** A pool counted on its own (for tests). */
    BackendPool(PoolKey key) {
        this(key, new PoolTotals());
    }

    BackendPool(PoolKey key, PoolTotals totals) {
        this.key = key;
        this.database = key.database();
        this.totals = totals;
    }

    /** Connections open or being opened. */
    int size() {
        return size;
    }

    int idleCount() {
        return idle.size();
    }

    int busy() {
        return size - idle.size();
    }

    /** A connection is being opened: it counts from now. */
    /** The idle connections now (a copy; under the manager's lock). */
    List<BackendConnection> idleConnections() {
        return List.copyOf(idle);
    }

    void countOne() {
        totals.account(size, idle.size(), -1);
        size++;
        totals.account(size, idle.size(), 1);
    }

    /** A connection counted by {@link #countOne} is gone (it is not idle). */
    void uncountOne() {
        totals.account(size, idle.size(), -1);
        size--;
        totals.account(size, idle.size(), 1);
    }

    /** A connection comes back idle: it goes first, as the most recently used. */
    void addIdle(BackendConnection c) {
        totals.account(size, idle.size(), -1);
        idle.addFirst(c);
        totals.account(size, idle.size(), 1);
    }

    /** Takes {@code c} out of the idle ones; whether it was there. */
    boolean removeIdle(BackendConnection c) {
        totals.account(size, idle.size(), -1);
        boolean removed = idle.remove(c);
        totals.account(size, idle.size(), 1);
        return removed;
    }

    /**
     * Takes the idle connection whose session state is still {@code owner}'s — it needs no reset, which costs the server
     * about as much as a small transaction, so it goes before one on the right thread — else one living on {@code loop};
     * or null.
     */
    BackendConnection takeIdleFor(Object owner, EventLoop loop) {
        BackendConnection onLoop = null;
        for (BackendConnection c : idle) {
            if (owner != null && c.stateOwner() == owner) {
                removeIdle(c);
                return c;
            }
            if (onLoop == null && c.eventLoop() == loop) onLoop = c;
        }
        if (onLoop != null) removeIdle(onLoop);
        return onLoop;
    }

    boolean hasIdleOn(EventLoop loop) {
        for (BackendConnection c : idle) if (c.eventLoop() == loop) return true;
        return false;
    }

    /** Takes any idle connection, most recently used first. */
    BackendConnection takeAnyIdle() {
        BackendConnection c = idle.peekFirst();
        if (c != null) removeIdle(c);
        return c;
    }

    /** The idle connection unused for longest, left in place; null if none. */
    BackendConnection longestIdle() {
        return idle.peekLast();
    }

    /**
     * Takes out every idle connection {@code which} names, then hands each to {@code taken} (which may uncount it: the
     * totals are in step again by then).
     */
    void takeIdleWhere(Predicate<BackendConnection> which, Consumer<BackendConnection> taken) {
        List<BackendConnection> out = null; // the housekeeping asks every pool each second, and most have nothing to close
        totals.account(size, idle.size(), -1);
        for (Iterator<BackendConnection> it = idle.iterator(); it.hasNext(); ) {
            BackendConnection c = it.next();
            if (which.test(c)) {
                it.remove();
                if (out == null) out = new ArrayList<>(2);
                out.add(c);
            }
        }
        totals.account(size, idle.size(), 1);
        if (out != null) out.forEach(taken);
    }
}
