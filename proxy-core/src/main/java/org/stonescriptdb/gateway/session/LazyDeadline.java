package org.stonescriptdb.gateway.session;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.concurrent.TimeUnit;

/**
 * A deadline set again and again, most often stopped long before it passes, with one pending timer task at most: the
 * time a pipelined reset may take ({@link PipelinedHandOver}, CONNECTION_TIMEOUT_SECS), set at every hand-over and
 * stopped when the reset is answered, within a millisecond. Scheduling a task and cancelling it each time is an
 * allocation, a priority-queue insert and a removal. Here, when the task runs before the latest deadline — the deadline
 * was stopped and set again meanwhile — it waits out the rest; when no deadline is set it does nothing.
 *
 * <p>Only for deadlines far longer than the time between settings: the task does run out once per window, and for a
 * short window that wakes an idle event loop for nothing (tried for the 1-ms linger window: a lone client's CPU per
 * transaction rose by 3–4 µs).
 *
 * <p>Runs on the client's event loop under {@code lock} (the flow's), which the task takes too.
 */
final class LazyDeadline {

    private final Object lock;
    private final EventLoop loop;
    private final long windowNanos;
    private final Runnable expired;
    /** The latest deadline (the loop's ticker), while {@link #running}. */
    private long deadline;
    /** A deadline is set: the task calls {@link #expired} when it passes unless {@link #stop} comes first. */
    private boolean running;
    /** The task scheduled (it may be for an earlier deadline, which it then extends); null if none. */
    private ScheduledFuture<?> task;

    LazyDeadline(Object lock, EventLoop loop, long windowNanos, Runnable expired) {
        this.lock = lock;
        this.loop = loop;
        this.windowNanos = windowNanos;
        this.expired = expired;
    }

    /** Sets the deadline a window from now: {@code expired} runs once it passes, unless {@link #stop} is called first. */
    void start() {
        running = true;
        deadline = loop.ticker().nanoTime() + windowNanos;
        if (task == null) schedule(windowNanos);
    }

    /** No deadline any more (the client came back, the reset was answered): a pending task will find nothing to do. */
    void stop() {
        running = false;
    }

    /**
     * For good (the client left): no deadline, and the pending task is removed at once — left to run out, a long
     * deadline (a reset's, seconds) would keep a departed client's session in memory until then, a whole session per
     * connection under connection churn.
     */
    void cancel() {
        running = false;
        if (task != null) {
            task.cancel(false);
            task = null;
        }
    }

    boolean running() {
        return running;
    }

    private void schedule(long delayNanos) {
        task = loop.schedule(this::due, delayNanos, TimeUnit.NANOSECONDS);
    }

    private void due() {
        synchronized (lock) {
            task = null;
            if (!running) return;
            long left = deadline - loop.ticker().nanoTime();
            if (left > 0) {
                schedule(left); // stopped and set again meanwhile: the newer deadline counts
                return;
            }
            running = false;
            expired.run();
        }
    }
}
