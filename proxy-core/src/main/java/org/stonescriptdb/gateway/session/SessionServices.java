package org.stonescriptdb.gateway.session;

import org.stonescriptdb.gateway.auth.ClientCredentials;
import org.stonescriptdb.gateway.config.GatewayConfig;
import org.stonescriptdb.gateway.metrics.ProxyCounters;
import org.stonescriptdb.gateway.pool.BackendConnector;
import org.stonescriptdb.gateway.pool.PoolManager;
import org.stonescriptdb.gateway.catalog.DatabaseRegistry;

import java.util.Set;

/** The shared parts every client session uses. */
public record SessionServices(GatewayConfig config, PoolManager pools, BackendConnector connector, DatabaseRegistry registry,
                              CancelRegistry cancels, Set<ClientSession> sessions,
                              StatementRegistry statements, ProxyCounters counters, LoginGreetings greetings,
                              ClientCredentials credentials) {

    public SessionServices(GatewayConfig config, PoolManager pools, BackendConnector connector, DatabaseRegistry registry,
                           CancelRegistry cancels, Set<ClientSession> sessions, StatementRegistry statements, ProxyCounters counters) {
        this(config, pools, connector, registry, cancels, sessions, statements, counters, ClientCredentials.none());
    }

    public SessionServices(GatewayConfig config, PoolManager pools, BackendConnector connector, DatabaseRegistry registry,
                           CancelRegistry cancels, Set<ClientSession> sessions, StatementRegistry statements, ProxyCounters counters,
                           ClientCredentials credentials) {
        this(config, pools, connector, registry, cancels, sessions, statements, counters,
                new LoginGreetings(connector == null ? database -> null : database -> connector.router().route(database)), credentials);
    }

    /** A database was dropped: what was learned of logins to it goes. */
    public void databaseDropped(String database) {
        greetings.forget(database);
    }
}
