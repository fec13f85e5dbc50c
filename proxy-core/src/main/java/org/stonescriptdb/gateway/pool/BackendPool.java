package org.stonescriptdb.gateway.pool;

import io.netty.channel.EventLoop;

import java.util.ArrayDeque;
import java.util.Iterator;

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

    /** Takes an idle connection living on {@code loop}, or null: such a connection needs no thread hand-off. */
    BackendConnection takeIdleOn(EventLoop loop) {
        for (Iterator<BackendConnection> it = idle.iterator(); it.hasNext(); ) {
            BackendConnection c = it.next();
            if (c.eventLoop() == loop) {
                it.remove();
                return c;
            }
        }
        return null;
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
