package org.stonescriptdb.gateway.registry;

import org.stonescriptdb.gateway.auth.BackendLogin;
import org.stonescriptdb.gateway.routing.DatabaseName;
import org.stonescriptdb.gateway.schema.deploy.ConnectionSource;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * Brings databases created before platform roles (or behind the gateway's back) under them, at every start: each
 * platform database gets its platform's role as owner, loses {@code PUBLIC}'s CONNECT and TEMPORARY, and its
 * objects pass to the role. Idempotent: a database already adopted costs three catalogue reads.
 */
public final class PlatformAdoption {

    private static final Logger LOG = Logger.getLogger(PlatformAdoption.class.getName());

    private PlatformAdoption() {
    }

    /**
     * @param databases  the server's databases, through a login that may change their owners (the gateway's own, or
     *                   the embedded server's superuser when databases from before were created by it)
     * @param inDatabase connections into a database with such a login, to move the objects in it
     * @return how many databases changed
     */
    public static int run(BackendDatabases databases, PlatformRoles roles, ConnectionSource inDatabase) throws SQLException {
        int adopted = 0;
        java.util.Map<String, BackendLogin> ensured = new java.util.HashMap<>();
        for (String name : databases.list()) {
            Optional<DatabaseName> parsed = DatabaseName.parse(name);
            if (parsed.isEmpty() || name.equals(ControlDatabase.NAME)) continue;
            String platform = parsed.get().platform();
            BackendLogin login = ensured.get(platform);
            if (login == null) {
                login = roles.ensure(platform);
                ensured.put(platform, login);
            }
            BackendLogin owner = login;
            if (adopt(databases, inDatabase, name, owner.user())) {
                adopted++;
                LOG.info(() -> "adopted database " + name + ": owned by role " + owner.user() + ", closed to other roles");
            }
        }
        return adopted;
    }

    /** Makes {@code role} the owner of {@code database} and of everything in it, and closes it to PUBLIC. */
    public static boolean adopt(BackendDatabases databases, ConnectionSource inDatabase, String database, String role) throws SQLException {
        boolean changed = false;
        if (!role.equals(databases.owner(database))) {
            databases.changeOwner(database, role);
            changed = true;
        }
        databases.revokePublicAccess(database);
        try (Connection c = inDatabase.open(database)) {
            changed |= ObjectOwnership.transfer(c, role) > 0;
        }
        return changed;
    }
}
