package org.stonescriptdb.gateway.config;

/**
 * How many backend connections the pools may hold.
 *
 * @param maxConnectionsPerPool to one database ({@code MAX_CONNECTIONS_PER_POOL})
 * @param maxTotalConnections   across all databases ({@code MAX_TOTAL_CONNECTIONS})
 * @param maxPools              databases with a pool at once ({@code MAX_POOLS})
 */
public record PoolSizes(int maxConnectionsPerPool, int maxTotalConnections, int maxPools) {
}
