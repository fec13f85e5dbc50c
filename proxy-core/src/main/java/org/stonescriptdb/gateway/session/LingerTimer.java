package org.stonescriptdb.gateway.session;

import io.netty.channel.EventLoop;

import java.util.concurrent.TimeUnit;

/**
 * The end of a client's linger window ({@link BackendLinger}), renewed at every linger without a timer of its own. A
 * busy client lingers after almost every transaction and comes back within microseconds: scheduling a task and
 * cancelling it each time cost more than the rest of the linger (a priority-queue insert and removal, an allocation).
 * Here one task is pending at most: when it runs before the latest window ends — the client came back and lingers
 * again — it waits out the rest; when the client is no longer lingering it does nothing.
 *
 * <p>Runs on the client's event loop under {@code lock} (the flow's), which the task takes too.
 */
final class LingerTimer {

    private final Object lock;
    private final EventLoop loop;
    private final long windowNanos;
    private final Runnable expired;
    /** The latest window's end (the loop's ticker), while {@link #running}. */
    private long deadline;
    /** A linger is under way: the task calls {@link #expired} at its deadline unless {@link #stop} comes first. */
    private boolean running;
    /** A task is scheduled (it may be for an earlier window, which it then extends). */
    private boolean armed;

    LingerTimer(Object lock, EventLoop loop, long windowNanos, Runnable expired) {
        this.lock = lock;
        this.loop = loop;
        this.windowNanos = windowNanos;
        this.expired = expired;
    }

    /** A linger begins: {@code expired} runs once the window passes, unless {@link #stop} is called first. */
    void start() {
        running = true;
        deadline = loop.ticker().nanoTime() + windowNanos;
        if (!armed) schedule(windowNanos);
    }

    /** The linger ended (the client came back, or left): the pending task, if any, will find nothing to do. */
    void stop() {
        running = false;
    }

    boolean running() {
        return running;
    }

    private void schedule(long delayNanos) {
        armed = true;
        loop.schedule(this::due, delayNanos, TimeUnit.NANOSECONDS);
    }

    private void due() {
        synchronized (lock) {
            armed = false;
            if (!running) return;
            long left = deadline - loop.ticker().nanoTime();
            if (left > 0) {
                schedule(left); // the client came back meanwhile and lingers again: its newer window counts
                return;
            }
            running = false;
            expired.run();
        }
    }
}
