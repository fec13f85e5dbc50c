package org.stonescriptdb.gateway.schema.deploy;

import org.stonescriptdb.gateway.schema.history.TrackedState;
import org.stonescriptdb.gateway.schema.history.TrackingTables;
import org.stonescriptdb.gateway.schema.plan.CompiledBundle;
import org.stonescriptdb.gateway.schema.plan.MigrationPhase;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

/**
 * Deploys a compiled bundle to one database in one transaction: extensions → types → before-tables migrations →
 * new tables and safe column changes → after-tables migrations → forced table changes → functions → seeders, then
 * the changelog. A transaction-scoped advisory lock serialises deploys to the same
 * database; any failure or blocker rolls everything back. A dry run does the same and always rolls back.
 * Untrusted extensions the configuration allows are installed just before that transaction, by another login
 * ({@link UntrustedExtensionStep}).
 */
public final class DatabaseDeployer {

    /** Advisory lock key for schema deploys: "ssdbgw01" in ASCII, unlikely to collide with application locks. */
    static final long DEPLOY_LOCK_KEY = 0x7373_6462_6777_3031L;

    private final CompiledBundle bundle;
    private final UnchangedCheck unchangedCheck;
    private final UntrustedExtensions untrusted;

    public DatabaseDeployer(CompiledBundle bundle) {
        this(bundle, UntrustedExtensions.NONE);
    }

    public DatabaseDeployer(CompiledBundle bundle, UntrustedExtensions untrusted) {
        this.bundle = bundle;
        this.unchangedCheck = new UnchangedCheck(bundle);
        this.untrusted = Objects.requireNonNull(untrusted, "untrusted");
    }

    public DatabaseResult deploy(ConnectionSource source, String database, DeployOptions options, UUID deploymentId) {
        long started = System.nanoTime();
        try (Connection connection = source.open(database)) {
            connection.setAutoCommit(true);
            if (unchangedCheck.isUnchanged(connection)) {
                return result(database, DeployStatus.UNCHANGED, deploymentId, options, started, null, null);
            }
            Set<String> installedFirst;
            try {
                installedFirst = UntrustedExtensionStep.apply(connection, database, bundle.extensions(), untrusted, options);
            } catch (StepFailure f) {
                return result(database, DeployStatus.FAILED, deploymentId, options, started, null, f.failure());
            } catch (SQLException e) {
                return result(database, DeployStatus.FAILED, deploymentId, options, started, null,
                        new DeployFailure(null, null, e.getSQLState(), DeploySession.describe(e)));
            }
            connection.setAutoCommit(false);
            try {
                DeploySession session = new DeploySession(connection, options, deploymentId);
                DeployStatus status = run(session, installedFirst);
                if (status == DeployStatus.APPLIED && !options.dryRun()) connection.commit();
                else connection.rollback();
                return result(database, status, deploymentId, options, started, session, null);
            } catch (StepFailure f) {
                rollbackQuietly(connection);
                return result(database, DeployStatus.FAILED, deploymentId, options, started, null, f.failure());
            } catch (SQLException e) {
                rollbackQuietly(connection);
                return result(database, DeployStatus.FAILED, deploymentId, options, started, null,
                        new DeployFailure(null, null, e.getSQLState(), DeploySession.describe(e)));
            } finally {
                restoreAutoCommit(connection);
            }
        } catch (SQLException e) {
            return result(database, DeployStatus.FAILED, deploymentId, options, started, null,
                    new DeployFailure(null, null, e.getSQLState(), "cannot connect to database " + database + ": "
                            + DeploySession.describe(e) + "; check that it exists and the gateway may connect"));
        } catch (RuntimeException e) {
            // A bug or an unexpected driver error must still produce a report for this database, not kill a fan-out.
            return result(database, DeployStatus.FAILED, deploymentId, options, started, null,
                    new DeployFailure(null, null, null, "internal error: " + e));
        }
    }

    private DeployStatus run(DeploySession s, Set<String> installedFirst) throws SQLException, StepFailure {
        try (Statement st = s.connection.createStatement()) {
            st.execute("SET LOCAL lock_timeout = '" + s.options.lockTimeout().toMillis() + "ms'");
            st.execute("SELECT pg_advisory_xact_lock(" + DEPLOY_LOCK_KEY + ")");
        } catch (SQLException e) {
            throw DeploySession.failure(null, "SELECT pg_advisory_xact_lock(...)", new SQLException(
                    "could not take the deploy lock within " + s.options.lockTimeout() + " (another deploy to this "
                            + "database is still running?): " + DeploySession.describe(e), e.getSQLState(), e));
        }
        TrackingTables.ensure(s.connection);
        TrackedState state = TrackedState.load(s.connection);

        ExtensionStep.apply(s, bundle.extensions(), installedFirst);
        TypeStep types = new TypeStep(state);
        types.apply(s, bundle.types());
        // Migrations run on both sides of the table diff (MigrationPhases): those that create what tables need or
        // reshape a declared table (a rename) before it, those that fill or index declared tables after new tables
        // and columns exist; data-loss table changes, when forced, come last so a migration can still copy first.
        DeclaredRename renames = new DeclaredRename(bundle.tables());
        MigrationStep.apply(s, bundle.migrations(MigrationPhase.BEFORE_TABLES), state, renames);
        TableStep tables = TableStep.plan(s, bundle.tables(), state);
        if (s.blockers.isEmpty()) {
            tables.applySafe(s);
            MigrationStep.apply(s, bundle.migrations(MigrationPhase.AFTER_TABLES), state, renames);
            tables.applyRest(s);
        }
        types.settleDeferred(s);
        if (!s.blockers.isEmpty()) return DeployStatus.BLOCKED;
        FunctionStep.apply(s, bundle.functions(), state);
        SeederStep.apply(s, bundle.seeders(), bundle.tables(), state);
        s.tracking.changelog(s.changelog);
        return s.changes.isEmpty() ? DeployStatus.UNCHANGED : DeployStatus.APPLIED;
    }

    private static DatabaseResult result(String database, DeployStatus status, UUID deploymentId, DeployOptions options,
                                         long started, DeploySession session, DeployFailure failure) {
        long millis = (System.nanoTime() - started) / 1_000_000;
        if (session == null) {
            return new DatabaseResult(database, status, deploymentId.toString(), options.dryRun(), millis, 0, List.of(),
                    SchemaValidation.EMPTY, List.of(), failure);
        }
        return new DatabaseResult(database, status, deploymentId.toString(), options.dryRun(), millis,
                session.statementsExecuted, session.changes, session.validation(), session.blockers, failure);
    }

    private static void rollbackQuietly(Connection c) {
        try {
            c.rollback();
        } catch (SQLException ignored) {
            // The connection is broken; closing it discards the transaction anyway.
        }
    }

    private static void restoreAutoCommit(Connection c) {
        try {
            c.setAutoCommit(true);
        } catch (SQLException ignored) {
            // Closed or broken: nothing to restore.
        }
    }
}
