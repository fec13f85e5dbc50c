package org.stonescriptdb.gateway.registry;

import org.stonescriptdb.gateway.auth.BackendLogin;
import org.stonescriptdb.gateway.routing.DatabaseName;
import org.stonescriptdb.gateway.schema.deploy.ConnectionSource;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
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
     * What one run did: databases adopted, and what could not be done, each naming the database or platform and why.
     * A platform whose role failed its check is not served; a database that failed is adopted at the next start.
     */
    public record Result(int adopted, List<String> failures) {
    }

    /**
     * Adopts every platform database. One platform or database that fails does not stop the others: its failure is
     * logged and returned. Only a failure to list the databases (the server unreachable) throws.
     *
     * @param databases  the server's databases, through a login that may change their owners (the gateway's own, or
     *                   the embedded server's superuser when databases from before were created by it)
     * @param inDatabase connections into a database with such a login, to move the objects in it
     */
    public static Result run(BackendDatabases databases, PlatformRoles roles, ConnectionSource inDatabase) throws SQLException {
        int adopted = 0;
        List<String> failures = new ArrayList<>();
        Map<String, BackendLogin> ensured = new HashMap<>();
        Set<String> failedPlatforms = new HashSet<>();
        for (String name : databases.list()) {
            Optional<DatabaseName> parsed = DatabaseName.parse(name);
            if (parsed.isEmpty() || name.equals(ControlDatabase.NAME)) continue;
            String platform = parsed.get().platform();
            if (failedPlatforms.contains(platform)) continue;
            BackendLogin login = ensured.get(platform);
            if (login == null) {
                try {
                    login = roles.ensure(platform);
                } catch (SQLException e) {
                    failedPlatforms.add(platform);
                    failures.add("platform " + platform + " is not served: " + e.getMessage());
                    LOG.warning("platform " + platform + " is not served: " + e.getMessage());
                    continue;
                }
                ensured.put(platform, login);
            }
            BackendLogin owner = login;
            try {
                if (adopt(databases, inDatabase, name, owner.user())) {
                    adopted++;
                    LOG.info(() -> "adopted database " + name + ": owned by role " + owner.user() + ", closed to other roles");
                }
            } catch (SQLException e) {
                failures.add("database " + name + " was not adopted: " + e.getMessage());
                LOG.warning("database " + name + " was not adopted (tried again at the next start): " + e.getMessage());
            }
        }
        return new Result(adopted, List.copyOf(failures));
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
