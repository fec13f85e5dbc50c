package org.stonescriptdb.gateway.schema.deploy;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * When a database's deploy is tried again after it could not get a lock within {@code lock_timeout}
 * (SQLSTATE 55P03): the attempt's transaction has been rolled back whole, so trying again is always safe.
 * Anything else — a statement timeout (57014) included — is not retried: it would fail the same way.
 *
 * @param maxAttempts  attempts in all, the first included; 1 never retries
 * @param firstBackoff the pause after the first failed attempt; it doubles after each further one
 */
public record LockRetry(int maxAttempts, Duration firstBackoff) {

    /** Four attempts, pausing about 0.5 s, 1 s and 2 s between them. */
    public static final LockRetry DEFAULT = new LockRetry(4, Duration.ofMillis(500));
    /** One attempt: a lock conflict fails the database at once. */
    public static final LockRetry NONE = new LockRetry(1, Duration.ZERO);

    public LockRetry {
        if (maxAttempts < 1) throw new IllegalArgumentException("maxAttempts must be at least 1, got " + maxAttempts);
        if (firstBackoff == null || firstBackoff.isNegative()) {
            throw new IllegalArgumentException("firstBackoff must be zero or positive, got " + firstBackoff);
        }
    }

    /** Whether attempt number {@code attempt} (from 1), which ended with {@code failure}, is followed by another. */
    boolean retries(DeployFailure failure, int attempt) {
        return failure != null && DeploySqlState.LOCK_NOT_AVAILABLE.equals(failure.sqlState()) && attempt < maxAttempts;
    }

    /**
     * The pause after failed attempt number {@code attempt}: firstBackoff × 2^(attempt-1), ±25 %. The jitter keeps
     * deploys that collided (two fan-outs, a deploy and a migration job) from colliding again in lockstep.
     */
    Duration backoffAfter(int attempt, RandomGenerator random) {
        long base = firstBackoff.toNanos() << Math.min(attempt - 1, 20);
        return Duration.ofNanos(Math.round(base * (0.75 + 0.5 * random.nextDouble())));
    }
}
