package org.stonescriptdb.gateway.proxy;

import org.stonescriptdb.gateway.config.BackendTarget;
import org.stonescriptdb.gateway.config.GatewayConfig;
import org.stonescriptdb.gateway.metrics.ProxyStats;

import java.time.Duration;

/**
 * The wire-protocol side of the gateway: listens on {@code PROXY_PORT}, admits clients by address,
 * routes them by database name and serves them from shared backend pools.
 * (API fixed first so admin-http can be written against it; the body is being filled in.)
 */
public final class GatewayProxy implements AutoCloseable {

    private final GatewayConfig config;
    private final BackendTarget backend;

    /** @param backend the resolved backend (configured, or the embedded server's address) */
    public GatewayProxy(GatewayConfig config, BackendTarget backend) {
        this.config = config;
        this.backend = backend;
    }

    /** Loads the database registry and binds {@code GATEWAY_HOST:PROXY_PORT}; returns when listening. */
    public void start() throws InterruptedException {
        throw new UnsupportedOperationException("being written");
    }

    /** The bound port (useful when {@code PROXY_PORT=0}). */
    public int port() {
        throw new UnsupportedOperationException("being written");
    }

    public ProxyStats stats() {
        return new ProxyStats(0, 0, 0, 0, 0);
    }

    /** Tells the router a database now exists (created through the admin API) or no longer does. */
    public void databaseCreated(String name) {
    }

    public void databaseDropped(String name) {
    }

    /** Stops accepting, lets running queries finish for up to {@code grace}, then closes every connection. */
    public void shutdown(Duration grace) {
    }

    @Override
    public void close() {
        shutdown(Duration.ZERO);
    }
}
