package org.stonescriptdb.gateway.app;

import com.zaxxer.hikari.HikariDataSource;
import org.stonescriptdb.gateway.config.BackendTarget;
import org.stonescriptdb.gateway.registry.BackendDatabases;
import org.stonescriptdb.gateway.registry.PlatformAdoption;
import org.stonescriptdb.gateway.registry.PlatformRoles;
import org.stonescriptdb.gateway.schema.deploy.ConnectionSource;

import java.sql.SQLException;
import java.time.Duration;
import java.util.logging.Logger;

/**
 * Loads the platform logins and adopts the server's platform databases ({@link PlatformAdoption}) when the gateway
 * starts; with the server unreachable then, it keeps trying in the background, so a gateway started before its
 * database server still comes to serve every platform.
 */
final class AdoptionAtStart {

    private static final Logger LOG = Logger.getLogger(AdoptionAtStart.class.getName());
    private static final Duration RETRY = Duration.ofSeconds(5);

    private final BackendTarget owner;
    private final BackendDatabases databases;
    private final PlatformRoles roles;
    private volatile Thread retrying;
    private volatile boolean stopped;

    /** @param owner a login that may change the owner of the databases to adopt (the embedded superuser, or the gateway's) */
    AdoptionAtStart(BackendTarget owner, BackendDatabases databases, PlatformRoles roles) {
        this.owner = owner;
        this.databases = databases;
        this.roles = roles;
    }

    void runOrRetry() {
        try {
            runOnce();
        } catch (SQLException e) {
            LOG.warning("could not adopt the platform databases yet (" + e.getMessage() + "); trying again every " + RETRY.toSeconds() + " s");
            retrying = Thread.ofVirtual().name("adoption-retry").start(this::retry);
        }
    }

    private void retry() {
        while (!stopped) {
            try {
                Thread.sleep(RETRY);
                runOnce();
                LOG.info("platform databases adopted");
                return;
            } catch (InterruptedException e) {
                return;
            } catch (SQLException e) {
                LOG.fine(() -> "adoption still failing: " + e.getMessage());
            }
        }
    }

    private void runOnce() throws SQLException {
        roles.loadAll();
        boolean separateOwner = !owner.user().equals(databases.currentUser());
        try (HikariDataSource ownerPool = separateOwner ? ControlPool.create(owner) : null) {
            BackendDatabases asOwner = ownerPool != null ? new BackendDatabases(ownerPool) : databases;
            PlatformAdoption.Result result = PlatformAdoption.run(asOwner, roles,
                    ConnectionSource.jdbc(owner::jdbcUrl, owner.user(), owner.password()));
            int adopted = result.adopted();
            if (adopted > 0) LOG.info("adopted " + adopted + " database" + (adopted == 1 ? "" : "s") + " for their platforms' roles");
        }
    }

    void stop() {
        stopped = true;
        Thread t = retrying;
        if (t != null) t.interrupt();
    }
}
