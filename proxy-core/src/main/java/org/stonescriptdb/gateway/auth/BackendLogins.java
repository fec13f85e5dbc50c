package org.stonescriptdb.gateway.auth;

import java.util.concurrent.CompletableFuture;

/**
 * Which login serves a database's backend connections. With per-platform roles every platform's databases are
 * reached as that platform's own role, so whatever a client's SQL does, PostgreSQL's privileges keep it inside its
 * platform; the gateway's own login is kept for the maintenance database.
 */
public interface BackendLogins {

    /** The login for {@code database}, or null when the gateway has none. Never blocks: runs on event loops. */
    BackendLogin forDatabase(String database);

    /**
     * Like {@link #forDatabase}, but may look a login up that is not known yet (another gateway instance registered
     * the platform); completes with null when there is none. The look-up never runs on the caller's thread.
     */
    default CompletableFuture<BackendLogin> lookup(String database) {
        return CompletableFuture.completedFuture(forDatabase(database));
    }

    /** Why {@code database} has no login although its platform is known (its role failed a check), or null. */
    default String refusal(String database) {
        return null;
    }

    /** One login for every database: a proxy used without platform roles (tests, the library on its own). */
    static BackendLogins shared(BackendLogin login) {
        return database -> login;
    }
}
