package org.stonescriptdb.gateway.session;

import org.stonescriptdb.gateway.config.GatewayConfig;
import org.stonescriptdb.gateway.metrics.ProxyCounters;
import org.stonescriptdb.gateway.pool.BackendConnector;
import org.stonescriptdb.gateway.pool.PoolManager;
import org.stonescriptdb.gateway.catalog.DatabaseRegistry;

import java.util.Set;

/** The shared parts every client session uses. */
public record SessionServices(GatewayConfig config, PoolManager pools, BackendConnector connector, DatabaseRegistry registry,
                              CancelRegistry cancels, Set<ClientSession> sessions,
                              StatementRegistry statements, ProxyCounters counters) {
}
