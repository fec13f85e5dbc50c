package org.stonescriptdb.gateway.proxy;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.EventExecutorGroup;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.BiConsumer;

/**
 * Watches the event loops of one group, without ever waiting on them: each loop runs a heartbeat task every
 * {@code interval}, and a loop whose last beat is older than {@code stallAfter} is reported as not running (blocked,
 * or busy beyond use); a loop that has stopped is reported too. A loop that terminates before {@link #stopping} is
 * handed to {@code onUnexpectedTermination} at once: its channels are gone with it and nothing can restart it.
 */
final class EventLoopWatch {

    private final List<EventExecutor> loops = new ArrayList<>();
    /** Each loop's name in reports, made beforehand: a loop may die for want of memory, and its report must not need any. */
    private final List<String> names = new ArrayList<>();
    private final List<String> deaths = new ArrayList<>();
    private final Duration interval;
    private final long stallAfterNanos;
    private final BiConsumer<String, Throwable> onUnexpectedTermination;
    private final AtomicLongArray lastBeat;
    private volatile boolean stopping;

    /**
     * @param name                     the group's name in reports (its threads' name prefix)
     * @param onUnexpectedTermination  told which loop ended and why (the throwable that ended it, or null)
     */
    EventLoopWatch(String name, EventExecutorGroup group, Duration interval, Duration stallAfter,
                   BiConsumer<String, Throwable> onUnexpectedTermination) {
        group.forEach(loops::add);
        for (int i = 0; i < loops.size(); i++) {
            names.add(name + " event loop " + (i + 1) + " of " + loops.size());
            deaths.add(names.get(i) + " terminated unexpectedly");
        }
        this.interval = interval;
        this.stallAfterNanos = stallAfter.toNanos();
        this.onUnexpectedTermination = onUnexpectedTermination;
        this.lastBeat = new AtomicLongArray(loops.size());
        long now = System.nanoTime();
        for (int i = 0; i < loops.size(); i++) lastBeat.set(i, now);
    }

    /** Starts the heartbeats and the termination watch. */
    void start() {
        long now = System.nanoTime();
        for (int i = 0; i < loops.size(); i++) {
            int index = i;
            EventExecutor loop = loops.get(i);
            lastBeat.set(index, now); // silence is counted from the start, not from construction
            loop.scheduleAtFixedRate(() -> lastBeat.set(index, System.nanoTime()), 0, interval.toNanos(), TimeUnit.NANOSECONDS);
            loop.terminationFuture().addListener(f -> {
                if (!stopping) onUnexpectedTermination.accept(deaths.get(index), f.cause());
            });
        }
    }

    /** From now on a loop that ends is being stopped on purpose. */
    void stopping() {
        stopping = true;
    }

    /** One line per loop that has stopped or has not run its heartbeat within {@code stallAfter}; empty when all run. */
    List<String> problems() {
        List<String> problems = new ArrayList<>();
        long now = System.nanoTime();
        for (int i = 0; i < loops.size(); i++) {
            if (loops.get(i).isShuttingDown()) {
                problems.add(names.get(i) + " has stopped");
                continue;
            }
            long silentNanos = now - lastBeat.get(i);
            if (silentNanos > stallAfterNanos) {
                problems.add(names.get(i) + " has not run for " + TimeUnit.NANOSECONDS.toMillis(silentNanos)
                        + " ms (blocked or overloaded)");
            }
        }
        return problems;
    }
}
