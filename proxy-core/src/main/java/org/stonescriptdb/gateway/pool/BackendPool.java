package org.stonescriptdb.gateway.pool;

import io.netty.channel.EventLoop;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.Map;

/**
 * The backend connections of one database. Plain state guarded by {@link PoolManager}'s lock.
 */
final class BackendPool {

    final String database;
    /** Most recently used first, so warm connections are reused and cold ones age out. */
    final ArrayDeque<BackendConnection> idle = new ArrayDeque<>();
    /** Connections open or being opened. */
    int size;
    long lastUsedNanos;
    long hits;
    long misses;
    /** The database was dropped: connections still in use are closed when released, not pooled. */
    boolean retired;
    /** What the server reported at login on this database; clients are greeted with it. */
    volatile Map<String, String> serverParameters;

    BackendPool(String database) {
        this.database = database;
    }

    /** Takes an idle connection, preferring one on the caller's event loop so no thread hand-off is needed. */
    BackendConnection takeIdle(EventLoop preferred) {
        for (Iterator<BackendConnection> it = idle.iterator(); it.hasNext(); ) {
            BackendConnection c = it.next();
            if (c.eventLoop() == preferred) {
                it.remove();
                return c;
            }
        }
        return idle.pollFirst();
    }

    int busy() {
        return size - idle.size();
    }
}
