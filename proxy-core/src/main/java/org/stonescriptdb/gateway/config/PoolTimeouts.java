package org.stonescriptdb.gateway.config;

import java.time.Duration;

/**
 * How long backend connections live, and how long a client waits for one.
 *
 * @param idleTimeout       an idle backend connection is closed after it ({@code POOL_IDLE_TIMEOUT_SECS})
 * @param maxLifetime       a backend connection is retired after it, less jitter, once idle ({@code POOL_MAX_LIFETIME_SECS})
 * @param connectionTimeout a client waits this long for a backend connection, then gets 53300; also the bound of the
 *                          gateway's own work on a backend (connecting, a reset) ({@code CONNECTION_TIMEOUT_SECS})
 */
public record PoolTimeouts(Duration idleTimeout, Duration maxLifetime, Duration connectionTimeout) {
}
