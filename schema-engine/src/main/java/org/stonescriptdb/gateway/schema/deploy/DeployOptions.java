package org.stonescriptdb.gateway.schema.deploy;

import java.time.Duration;

/**
 * @param force              apply data-loss and incompatible table changes, and accept changed checksums of
 *                           applied migrations (recording the new checksum, not re-running them)
 * @param dryRun             run the whole transaction, then roll it back: the report is exactly what a real
 *                           deploy would do now
 * @param parallelism        tenant databases deployed at once by deployAll (each holds one connection)
 * @param stopOnFirstFailure in deployAll, skip databases not yet started once one fails or is blocked
 * @param lockTimeout        how long a deploy waits for the per-database deploy lock and for table locks
 *                           held by applications before failing instead of hanging
 */
public record DeployOptions(boolean force, boolean dryRun, int parallelism, boolean stopOnFirstFailure,
                           Duration lockTimeout) {

    public static final DeployOptions DEFAULT = new DeployOptions(false, false, 4, false, Duration.ofSeconds(30));

    public DeployOptions {
        if (parallelism < 1) {
            throw new IllegalArgumentException("parallelism must be at least 1, got " + parallelism);
        }
        if (lockTimeout == null || lockTimeout.isNegative() || lockTimeout.isZero()) {
            throw new IllegalArgumentException("lockTimeout must be positive, got " + lockTimeout);
        }
    }

    public DeployOptions withForce(boolean value) {
        return new DeployOptions(value, dryRun, parallelism, stopOnFirstFailure, lockTimeout);
    }

    public DeployOptions withDryRun(boolean value) {
        return new DeployOptions(force, value, parallelism, stopOnFirstFailure, lockTimeout);
    }

    public DeployOptions withParallelism(int value) {
        return new DeployOptions(force, dryRun, value, stopOnFirstFailure, lockTimeout);
    }

    public DeployOptions withStopOnFirstFailure(boolean value) {
        return new DeployOptions(force, dryRun, parallelism, value, lockTimeout);
    }

    public DeployOptions withLockTimeout(Duration value) {
        return new DeployOptions(force, dryRun, parallelism, stopOnFirstFailure, value);
    }
}
