package org.stonescriptdb.gateway.pool;

import org.stonescriptdb.gateway.config.BackendTarget;

import java.util.Objects;

/**
 * What one pool holds connections to: a database on a server. Two servers holding a database of the same name get a
 * pool each. The server is the one the {@link org.stonescriptdb.gateway.routing.BackendRouter} names for the database
 * when a client asks for it ({@link PoolManager#acquire}).
 *
 * <p>Not a record: a key is built and looked up at every acquire, and a record's hash would hash the whole server
 * (host, port, login, TLS settings) each time. The hash is the database name's (a String caches its own), and equality
 * compares the server by identity first — the router hands out the same instance until a reload.
 */
final class PoolKey {

    private final BackendTarget server;
    private final String database;

    PoolKey(BackendTarget server, String database) {
        this.server = server;
        this.database = Objects.requireNonNull(database, "database");
    }

    BackendTarget server() {
        return server;
    }

    String database() {
        return database;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PoolKey other && database.equals(other.database)
                && (server == other.server || Objects.equals(server, other.server));
    }

    @Override
    public int hashCode() {
        return database.hashCode();
    }

    @Override
    public String toString() {
        return "PoolKey[" + database + " on " + server + "]";
    }
}
