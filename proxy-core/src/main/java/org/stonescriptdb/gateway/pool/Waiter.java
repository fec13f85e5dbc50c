package org.stonescriptdb.gateway.pool;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Promise;

import java.util.function.Consumer;

/** A client waiting for a backend connection of one pool (state guarded by the pool manager's lock). */
final class Waiter {
    final BackendPool pool;
    final EventLoop loop;
    final Promise<BackendConnection> promise;
    /** Arrival order across all pools, given by {@link WaiterQueue#add}: the longest-waiting servable client goes first. */
    long arrival;
    /** When the request joined the queue (System.nanoTime), for the wait-time metric and the timeout. */
    long queuedAt;
    /** Whether the answer may complete the promise on the calling thread (see {@link #deliver}). */
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

    /**
     * Answers the request with {@code connection}, or, if the client gave up meanwhile, gives the connection to
     * {@code release} for the next one. A waiter served later (by another client's release) is completed on its own
     * event loop, never inline: the releasing caller may hold its session's lock, and the requester's listener takes
     * its own session's lock — two sessions on two loops could otherwise deadlock.
     */
    void deliver(BackendConnection connection, Consumer<BackendConnection> release) {
        if (inline) {
            complete(connection, release);
        } else {
            loop.execute(() -> complete(connection, release));
        }
    }

    private void complete(BackendConnection connection, Consumer<BackendConnection> release) {
        if (!promise.trySuccess(connection)) release.accept(connection);
    }
}
