package org.stonescriptdb.gateway.config;

import java.time.Duration;

/**
 * How long, after its transaction, a client in transaction pooling keeps its backend for its next one
 * ({@code POOL_LINGER_MICROS}; zero turns it off), and for how many transactions in a row at most
 * ({@code POOL_LINGER_MAX_TRANSACTIONS}) before the backend goes back to the pool whoever waits. A backend that
 * passes to another client must be reset first; one that stays with its client need not be.
 */
public record Linger(Duration window, int maxTransactions) {

    public static Linger defaults() {
        return new Linger(Duration.ofNanos(1_000_000), 16);
    }

    public static Linger off() {
        return new Linger(Duration.ZERO, 0);
    }

    public boolean enabled() {
        return !window.isZero() && maxTransactions > 0;
    }
}
