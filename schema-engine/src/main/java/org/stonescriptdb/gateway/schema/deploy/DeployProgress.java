package org.stonescriptdb.gateway.schema.deploy;

/**
 * Told each database's result as soon as it is known, while a fan-out runs, so a caller can show progress of a long
 * deploy (admin-http streams these as NDJSON lines) instead of waiting for the whole report.
 *
 * <p>Called exactly once per database of the fan-out, with the same result that later appears in its report: the main
 * database (the canary) first, on the calling thread; then the tenants in the order they finish, from the fan-out's
 * worker threads — <b>concurrently</b>, up to {@code parallelism} calls at once, so an implementation must be
 * thread-safe. Skipped databases are reported too, as soon as they are known to be skipped. Every call happens before
 * {@code deployAll}/{@code deployEach} returns.
 *
 * <p>An implementation must return promptly: a worker calling it is not deploying the next tenant meanwhile (hand slow
 * work, such as writing to a network client, to another thread). An exception it throws is logged and ignored: an
 * observer never stops or changes a deploy.
 */
@FunctionalInterface
public interface DeployProgress {

    /** Does nothing: the fan-out is only reported as a whole. */
    DeployProgress NONE = result -> { };

    void databaseFinished(DatabaseResult result);
}
