package org.stonescriptdb.gateway.pool;

/**
 * Counts across all pools of one {@link PoolSet}, kept up to date by each {@link BackendPool} as it changes, so that
 * {@link CapacityPolicy} weighs MAX_POOLS and MAX_TOTAL_CONNECTIONS without a look at every pool: with hundreds of
 * databases waiting, each release would otherwise scan every pool once per waiting database. Guarded by
 * {@link PoolManager}'s lock.
 */
final class PoolTotals {

    /** Connections of all pools, open or being opened. */
    int connections;
    /** Idle connections of all pools. */
    int idleConnections;
    /** Pools holding at least one connection. */
    int activePools;
    /** Pools holding at least one connection, all of them idle. */
    int idlePools;
    /** Counts each change of any pool, so a figure worked out from the pools can be kept until the next. */
    long changes;

    /** Adds ({@code sign} 1) or takes away ({@code sign} -1) what one pool of {@code size} and {@code idle} counts for. */
    void account(int size, int idle, int sign) {
        changes++;
        connections += sign * size;
        idleConnections += sign * idle;
        if (size > 0) {
            activePools += sign;
            if (idle == size) idlePools += sign;
        }
    }
}
