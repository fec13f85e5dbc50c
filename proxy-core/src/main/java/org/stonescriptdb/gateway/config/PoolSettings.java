package org.stonescriptdb.gateway.config;

import java.util.Objects;

/**
 * How clients share the backend connections of a database's pool.
 *
 * @param sizes        how many connections ({@code MAX_CONNECTIONS_PER_POOL}, {@code MAX_TOTAL_CONNECTIONS}, {@code MAX_POOLS})
 * @param timeouts     how long they live and are waited for ({@code POOL_IDLE_TIMEOUT_SECS}, {@code POOL_MAX_LIFETIME_SECS},
 *                     {@code CONNECTION_TIMEOUT_SECS})
 * @param poolMode     how long a client keeps the connection it was given ({@code POOL_MODE})
 * @param sessionReset reset a backend before it passes from one client to another in transaction pooling ({@code SESSION_RESET})
 * @param linger       how long a client keeps its backend after a transaction ({@code POOL_LINGER_*})
 */
public record PoolSettings(PoolSizes sizes, PoolTimeouts timeouts, PoolMode poolMode, boolean sessionReset, Linger linger) {

    public PoolSettings {
        Objects.requireNonNull(sizes, "sizes");
        Objects.requireNonNull(timeouts, "timeouts");
        Objects.requireNonNull(poolMode, "poolMode");
        Objects.requireNonNull(linger, "linger");
    }

    public PoolSettings withSizes(PoolSizes newSizes) {
        return new PoolSettings(newSizes, timeouts, poolMode, sessionReset, linger);
    }

    public PoolSettings withTimeouts(PoolTimeouts newTimeouts) {
        return new PoolSettings(sizes, newTimeouts, poolMode, sessionReset, linger);
    }

    public PoolSettings withPoolMode(PoolMode mode) {
        return new PoolSettings(sizes, timeouts, mode, sessionReset, linger);
    }

    public PoolSettings withSessionReset(boolean reset) {
        return new PoolSettings(sizes, timeouts, poolMode, reset, linger);
    }

    public PoolSettings withLinger(Linger newLinger) {
        return new PoolSettings(sizes, timeouts, poolMode, sessionReset, newLinger);
    }
}
