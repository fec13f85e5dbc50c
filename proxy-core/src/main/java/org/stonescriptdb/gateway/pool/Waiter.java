package org.stonescriptdb.gateway.pool;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Promise;

/** A client waiting for a backend connection of one pool (state guarded by the pool manager's lock). */
final class Waiter {
    final BackendPool pool;
    final EventLoop loop;
    final Promise<BackendConnection> promise;
    /** Arrival order across all pools, given by {@link WaiterQueue#add}: the longest-waiting servable client goes first. */
    long arrival;
    /** When the request joined the queue (System.nanoTime), for the wait-time metric and the timeout. */
    long queuedAt;
    /** Whether the answer may complete the promise on the calling thread (see PoolManager#deliver). */
    boolean inline;
    /** The requesting client's application_name, for a connection opened for it (null: the gateway's own). */
    final String applicationName;
    /** The requesting client: an idle connection whose session state is still its own needs no reset for it. */
    final Object owner;

    Waiter(BackendPool pool, EventLoop loop, Promise<BackendConnection> promise, String applicationName, Object owner) {
        this.pool = pool;
        this.loop = loop;
        this.promise = promise;
        this.applicationName = applicationName;
        this.owner = owner;
    }

    /** Whether the client stopped waiting (it cancelled, or was answered). */
    boolean gaveUp() {
        return promise.isDone();
    }
}
