package org.stonescriptdb.gateway.testsupport;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Waiting in tests for something another thread, process or server does: poll the condition instead of sleeping
 * for a guessed time, so a fast machine does not wait and a slow one does not fail.
 */
public final class Await {

    private static final long POLL_NANOS = Duration.ofMillis(10).toNanos();

    private Await() {
    }

    /**
     * Returns as soon as {@code condition} holds; throws an {@link AssertionError} naming {@code what} if it still
     * does not after {@code timeout}.
     *
     * @param what the condition in words, for the failure: "the pool to hold 2 idle backends"
     */
    public static void until(Duration timeout, BooleanSupplier condition, String what) {
        until(timeout, condition, () -> what);
    }

    /** Like {@link #until(Duration, BooleanSupplier, String)}, with a failure message made when it fails (say, with the last value seen). */
    public static void until(Duration timeout, BooleanSupplier condition, Supplier<String> what) {
        if (!within(timeout, condition)) {
            throw new AssertionError("waited " + timeout.toMillis() + " ms for " + what.get() + ", in vain");
        }
    }

    /** Like {@link #until}, but returns whether the condition came true instead of failing. */
    public static boolean within(Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline >= 0) return false;
            pause();
        }
        return true;
    }

    private static void pause() {
        try {
            Thread.sleep(Duration.ofNanos(POLL_NANOS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting", e);
        }
    }
}
