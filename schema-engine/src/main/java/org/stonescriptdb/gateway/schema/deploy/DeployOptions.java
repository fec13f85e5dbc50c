package org.stonescriptdb.gateway.schema.deploy;

import java.time.Duration;

/**
 * @param force              apply data-loss and incompatible table changes, and accept changed checksums of
 *                           applied migrations (recording the new checksum, not re-running them)
 * @param dryRun             run the whole transaction, then roll it back: the report is exactly what a real
 *                           deploy would do now
 * @param parallelism        tenant databases deployed at once by deployAll (each holds one connection)
 * @param stopOnFirstFailure in deployAll, skip databases not yet started once one fails or is blocked
 * @param lockTimeout        {@code lock_timeout} of every statement of a database's deploy: how long it waits for
 *                           the per-database deploy lock and for table locks held by applications before the attempt
 *                           is rolled back (and retried, see lockRetry) instead of hanging
 * @param statementTimeout   {@code statement_timeout} of every statement of a database's deploy (a migration
 *                           running longer fails the database with 57014; not retried)
 * @param lockRetry          how often and after which pauses a database whose attempt could not get a lock is
 *                           tried again; other databases of a fan-out do not wait for it
 * @param newDatabase        the database was just created from a schema its platform's main database already took:
 *                           a migration statement that fails there because it was written for an older shape of the
 *                           schema is skipped and reported, not fatal ({@link MigrationHistory}); the migration is
 *                           recorded as applied, so the tenant starts at the current schema
 */
public record DeployOptions(boolean force, boolean dryRun, int parallelism, boolean stopOnFirstFailure,
                           Duration lockTimeout, Duration statementTimeout, LockRetry lockRetry,
                           boolean newDatabase) {

    /**
     * A lock timeout of a few seconds: a deploy queued behind a long transaction itself blocks every later query of
     * that table, so it gives way quickly and comes back (lockRetry) rather than stall the application.
     */
    public static final DeployOptions DEFAULT = new DeployOptions(false, false, 4, false, Duration.ofSeconds(3),
            Duration.ofMinutes(5), LockRetry.DEFAULT, false);

    public DeployOptions {
        if (parallelism < 1) {
            throw new IllegalArgumentException("parallelism must be at least 1, got " + parallelism);
        }
        if (lockTimeout == null || lockTimeout.isNegative() || lockTimeout.isZero()) {
            throw new IllegalArgumentException("lockTimeout must be positive, got " + lockTimeout);
        }
        if (statementTimeout == null || statementTimeout.isNegative() || statementTimeout.isZero()) {
            throw new IllegalArgumentException("statementTimeout must be positive, got " + statementTimeout);
        }
        if (lockRetry == null) throw new IllegalArgumentException("lockRetry must be given");
    }

    public DeployOptions withForce(boolean value) {
        return new DeployOptions(value, dryRun, parallelism, stopOnFirstFailure, lockTimeout, statementTimeout, lockRetry, newDatabase);
    }

    public DeployOptions withDryRun(boolean value) {
        return new DeployOptions(force, value, parallelism, stopOnFirstFailure, lockTimeout, statementTimeout, lockRetry, newDatabase);
    }

    public DeployOptions withParallelism(int value) {
        return new DeployOptions(force, dryRun, value, stopOnFirstFailure, lockTimeout, statementTimeout, lockRetry, newDatabase);
    }

    public DeployOptions withStopOnFirstFailure(boolean value) {
        return new DeployOptions(force, dryRun, parallelism, value, lockTimeout, statementTimeout, lockRetry, newDatabase);
    }

    public DeployOptions withLockTimeout(Duration value) {
        return new DeployOptions(force, dryRun, parallelism, stopOnFirstFailure, value, statementTimeout, lockRetry, newDatabase);
    }

    public DeployOptions withStatementTimeout(Duration value) {
        return new DeployOptions(force, dryRun, parallelism, stopOnFirstFailure, lockTimeout, value, lockRetry, newDatabase);
    }

    public DeployOptions withLockRetry(LockRetry value) {
        return new DeployOptions(force, dryRun, parallelism, stopOnFirstFailure, lockTimeout, statementTimeout, value, newDatabase);
    }

    public DeployOptions withNewDatabase(boolean value) {
        return new DeployOptions(force, dryRun, parallelism, stopOnFirstFailure, lockTimeout, statementTimeout, lockRetry, value);
    }
}
