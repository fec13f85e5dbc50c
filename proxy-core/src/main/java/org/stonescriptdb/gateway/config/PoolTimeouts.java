package org.stonescriptdb.gateway.config;

import java.time.Duration;

/**
 * How long backend connections live, how long the gateway's own work on one may take, and how long a client waits for
 * one. A busy pool is not an error: the wait is long by default, like PgBouncer's {@code query_wait_timeout}.
 *
 * @param idleTimeout       an idle backend connection is closed after it ({@code POOL_IDLE_TIMEOUT_SECS})
 * @param maxLifetime       a backend connection is retired after it, less jitter, once idle ({@code POOL_MAX_LIFETIME_SECS})
 * @param connectionTimeout the bound of the gateway's own work on a backend: opening and logging in, a reset
 *                          ({@code CONNECTION_TIMEOUT_SECS})
 * @param queryWaitTimeout  a client waits this long for a backend connection of a busy pool, then gets 53300
 *                          ({@code QUERY_WAIT_TIMEOUT_SECS})
 */
public record PoolTimeouts(Duration idleTimeout, Duration maxLifetime, Duration connectionTimeout, Duration queryWaitTimeout) {

    /** PgBouncer's {@code query_wait_timeout} default. */
    public static final int DEFAULT_QUERY_WAIT_SECS = 120;
}
