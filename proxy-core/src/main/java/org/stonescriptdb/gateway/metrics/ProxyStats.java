package org.stonescriptdb.gateway.metrics;

/**
 * A point-in-time view of the proxy, for /health and /metrics.
 *
 * @param activePools       pools that hold at least one backend connection
 * @param totalConnections  backend connections open or opening, across all pools
 * @param idleConnections   backend connections parked in pools, ready for a client
 * @param clientConnections client sessions past start-up
 * @param waitingClients    clients queued for a backend connection
 */
public record ProxyStats(int activePools, int totalConnections, int idleConnections, int clientConnections, int waitingClients) {
}
