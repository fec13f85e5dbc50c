package org.stonescriptdb.gateway.pool;

import org.stonescriptdb.gateway.config.BackendTarget;

/**
 * What one pool holds connections to: a database on a server. Two servers holding a database of the same name get a
 * pool each. The server is the one the {@link org.stonescriptdb.gateway.routing.BackendRouter} names for the database
 * when a client asks for it ({@link PoolManager#acquire}).
 */
record PoolKey(BackendTarget server, String database) {
}
