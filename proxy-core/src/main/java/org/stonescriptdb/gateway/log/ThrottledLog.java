package org.stonescriptdb.gateway.log;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Log lines that a flood (of refused connections, malformed packets…) repeats: at most one line per kind per
 * interval, and the next one says how many were left out in between. A flood then costs a few lines a minute, not a
 * disk.
 */
public final class ThrottledLog {

    private final Logger logger;
    private final long intervalNanos;
    private final LongSupplier clock;
    private final ConcurrentHashMap<String, Kind> kinds = new ConcurrentHashMap<>();

    private static final class Kind {
        final AtomicLong nextAllowed = new AtomicLong(Long.MIN_VALUE);
        final AtomicLong suppressed = new AtomicLong();
    }

    public ThrottledLog(Logger logger, Duration interval) {
        this(logger, interval, System::nanoTime);
    }

    ThrottledLog(Logger logger, Duration interval, LongSupplier clock) {
        this.logger = logger;
        this.intervalNanos = interval.toNanos();
        this.clock = clock;
    }

    /**
     * Logs {@code message} unless a line of the same {@code kind} was logged less than an interval ago; then it is
     * only counted. The number of kinds is the caller's to bound (a fixed set of reasons, never client input).
     */
    public void log(Level level, String kind, String message) {
        if (!logger.isLoggable(level)) return;
        Kind k = kinds.computeIfAbsent(kind, x -> new Kind());
        long now = clock.getAsLong();
        long next = k.nextAllowed.get();
        if ((next != Long.MIN_VALUE && now - next < 0) || !k.nextAllowed.compareAndSet(next, now + intervalNanos)) {
            k.suppressed.incrementAndGet();
            return;
        }
        long left = k.suppressed.getAndSet(0);
        logger.log(level, left == 0 ? message : message + " (" + left + " more like it since the last such line)");
    }
}
