package org.stonescriptdb.gateway.app;

import org.stonescriptdb.gateway.registry.BackendDatabases;
import org.stonescriptdb.gateway.routing.DatabaseName;

import java.sql.SQLException;
import java.util.List;
import java.util.logging.Logger;

/**
 * The {@code demo} platform that exists out of the box in embedded mode, so the README's quick start
 * can connect to {@code demo_acme} straight away.
 */
public final class DemoPlatform {

    private static final Logger LOG = Logger.getLogger(DemoPlatform.class.getName());

    public static final DatabaseName MAIN = DatabaseName.main("demo");
    public static final DatabaseName ACME = DatabaseName.tenant("demo", "acme");
    public static final List<DatabaseName> DATABASES = List.of(MAIN, ACME);

    private DemoPlatform() {
    }

    /** Creates whichever of the demo databases is missing; existing ones and their data are left alone. */
    public static void ensure(BackendDatabases databases) throws SQLException {
        for (DatabaseName name : DATABASES) {
            if (databases.createIfMissing(name)) LOG.info(() -> "created demo database " + name);
        }
    }
}
