package org.stonescriptdb.gateway.schema.deploy;

import org.stonescriptdb.gateway.schema.history.CarriedBundle;
import org.stonescriptdb.gateway.schema.history.SchemaShape;
import org.stonescriptdb.gateway.schema.history.TrackedState;
import org.stonescriptdb.gateway.schema.history.TrackingTables;
import org.stonescriptdb.gateway.schema.plan.CompiledBundle;
import org.stonescriptdb.gateway.schema.plan.MigrationPhase;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Deploys a compiled bundle to one database in one transaction: extensions → types → before-tables migrations →
 * new tables and safe column changes → after-tables migrations → forced table changes → functions → seeders, then
 * the changelog and which bundle the database now carries (with its schema's shape, to see drift later). A transaction-scoped advisory lock serialises deploys to the same
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

    /**
     * Attempts the deploy, again while an attempt fails for a lock it could not get within lock_timeout and
     * {@link DeployOptions#lockRetry()} allows. Each attempt is a transaction of its own on a fresh connection
     * (none is held during the pause), so a busy database waits alone and is never half-applied.
     */
    public DatabaseResult deploy(ConnectionSource source, String database, DeployOptions options, UUID deploymentId) {
        long started = System.nanoTime();
        long lockWaitNanos = 0;
        for (int attempt = 1; ; attempt++) {
            long attemptStarted = System.nanoTime();
            DatabaseResult r = attempt(source, database, options, deploymentId);
            boolean lockConflict = r.failure() != null && DeploySqlState.LOCK_NOT_AVAILABLE.equals(r.failure().sqlState());
            if (lockConflict) lockWaitNanos += System.nanoTime() - attemptStarted;
            boolean again = options.lockRetry().retries(r.failure(), attempt);
            if (again) {
                Duration pause = options.lockRetry().backoffAfter(attempt, ThreadLocalRandom.current());
                long pauseStarted = System.nanoTime();
                try {
                    Thread.sleep(pause);
                } catch (InterruptedException e) {
                    // Shutting down: report this attempt's failure rather than wait on.
                    Thread.currentThread().interrupt();
                    again = false;
                }
                lockWaitNanos += System.nanoTime() - pauseStarted;
            }
            if (!again) {
                long lockWaitMillis = lockWaitNanos / 1_000_000;
                return r.afterAttempts(attempt, lockWaitMillis, (System.nanoTime() - started) / 1_000_000,
                        TimeoutAdvice.explain(r.failure(), attempt, lockWaitMillis, options));
            }
        }
    }

    /** One attempt: the fast path, else one transaction; its result counts as a single attempt. */
    private DatabaseResult attempt(ConnectionSource source, String database, DeployOptions options, UUID deploymentId) {
        long started = System.nanoTime();
        Connection opened;
        try {
            opened = source.open(database);
        } catch (SQLException e) {
            return result(database, DeployStatus.FAILED, deploymentId, options, started, null,
                    new DeployFailure(null, null, e.getSQLState(), "cannot connect to database " + database + ": "
                            + DeploySession.describe(e) + "; check that it exists and the gateway may connect"));
        }
        try (Connection connection = opened) {
            connection.setAutoCommit(true);
            return attemptOn(connection, database, options, deploymentId, started);
        } catch (SQLException e) {
            // Outside the transaction: the fast path's query or setting the timeouts.
            return result(database, DeployStatus.FAILED, deploymentId, options, started, null,
                    new DeployFailure(null, null, e.getSQLState(), DeploySession.describe(e)));
        } catch (RuntimeException e) {
            // A bug or an unexpected driver error must still produce a report for this database, not kill a fan-out.
            return result(database, DeployStatus.FAILED, deploymentId, options, started, null,
                    new DeployFailure(null, null, null, "internal error: " + e));
        }
    }

    private DatabaseResult attemptOn(Connection connection, String database, DeployOptions options, UUID deploymentId,
                                     long started) throws SQLException {
        // The fast path stays one round trip, under the connection's own settings: it only reads, and its ACCESS
        // SHARE locks wait only for an ACCESS EXCLUSIVE holder. Everything after it runs under the deploy's timeouts.
        if (unchangedCheck.isUnchanged(connection)) {
            return result(database, DeployStatus.UNCHANGED, deploymentId, options, started, null, null);
        }
        DeployTimeouts timeouts = DeployTimeouts.apply(connection, options);
        try {
            return fullPath(connection, database, options, deploymentId, started);
        } finally {
            timeouts.reset();
        }
    }

    private DatabaseResult fullPath(Connection connection, String database, DeployOptions options, UUID deploymentId,
                                    long started) throws SQLException {
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
            // An unchanged database may still have recorded which bundle it carries.
            if (status != DeployStatus.BLOCKED && !options.dryRun()) connection.commit();
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
        recordCarriedBundle(s);
        return s.changes.isEmpty() ? DeployStatus.UNCHANGED : DeployStatus.APPLIED;
    }

    /**
     * Records the bundle this database now carries, with its schema's shape, when anything changed or the database
     * carried another bundle (or none on record): a later look finds its version, and drift against that shape.
     */
    private void recordCarriedBundle(DeploySession s) throws SQLException {
        Optional<CarriedBundle> carried = CarriedBundle.read(s.connection);
        boolean sameBundle = carried.isPresent() && carried.get().checksum().equals(bundle.checksum())
                && Objects.equals(carried.get().label(), bundle.label());
        if (sameBundle && s.changes.isEmpty()) return;
        s.tracking.bundle(bundle.checksum(), bundle.label(), SchemaShape.text(SchemaShape.read(s.connection)));
    }

    private static DatabaseResult result(String database, DeployStatus status, UUID deploymentId, DeployOptions options,
                                         long started, DeploySession session, DeployFailure failure) {
        long millis = (System.nanoTime() - started) / 1_000_000;
        if (session == null) {
            return new DatabaseResult(database, status, deploymentId.toString(), options.dryRun(), millis, 0, List.of(),
                    SchemaValidation.EMPTY, List.of(), failure, 1, 0);
        }
        return new DatabaseResult(database, status, deploymentId.toString(), options.dryRun(), millis,
                session.statementsExecuted, session.changes, session.validation(), session.blockers, failure, 1, 0);
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
