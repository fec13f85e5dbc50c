package org.stonescriptdb.gateway.pool;

import io.netty.channel.EventLoop;

import java.util.ArrayDeque;

/**
 * The backend connections of one database on one server ({@link PoolKey}). Plain state guarded by {@link PoolManager}'s
 * lock.
 */
final class BackendPool {

    final PoolKey key;
    /** The key's database, which the connections log in to. */
    final String database;
    /** Most recently used first, so warm connections are reused and cold ones age out. */
    final ArrayDeque<BackendConnection> idle = new ArrayDeque<>();
    /** Clients waiting for a connection of this pool, in arrival order (changed only by {@link WaiterQueue}). */
    final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
    /** Connections open or being opened. */
    int size;
    long lastUsedNanos;
    long hits;
    long misses;
    /** The database was dropped: connections still in use are closed when released, not pooled. */
    boolean retired;

    BackendPool(PoolKey key) {
        this.key = key;
        this.database = key.database();
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
                idle.remove(c);
                return c;
            }
            if (onLoop == null && c.eventLoop() == loop) onLoop = c;
        }
        if (onLoop != null) idle.remove(onLoop);
        return onLoop;
    }

    boolean hasIdleOn(EventLoop loop) {
        for (BackendConnection c : idle) if (c.eventLoop() == loop) return true;
        return false;
    }

    /** Takes any idle connection, most recently used first. */
    BackendConnection takeAnyIdle() {
        return idle.pollFirst();
    }

    int busy() {
        return size - idle.size();
    }
}
