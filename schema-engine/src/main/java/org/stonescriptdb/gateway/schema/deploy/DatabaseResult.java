package org.stonescriptdb.gateway.schema.deploy;

import java.util.List;

/**
 * The report for one database.
 *
 * @param statementsExecuted bundle and generated DDL/DML statements run (tracking writes not counted);
 *                           0 for an unchanged database
 * @param changes            what changed, in execution order
 * @param blockers           why the deploy is blocked (empty unless status is blocked)
 * @param failure            why it failed (null unless status is failed)
 * @param attempts           attempts made (more than 1 when an attempt could not get a lock and was retried;
 *                           0 when skipped)
 * @param lockWaitMillis     time lost to lock conflicts: attempts that timed out waiting for a lock and the
 *                           pauses after them (a wait shorter than lock_timeout inside a successful attempt is
 *                           not counted)
 */
public record DatabaseResult(String database, DeployStatus status, String deploymentId, boolean dryRun,
                             long durationMillis, int statementsExecuted, List<AppliedChange> changes,
                             SchemaValidation schemaValidation, List<String> blockers, DeployFailure failure,
                             int attempts, long lockWaitMillis) {

    public DatabaseResult {
        changes = List.copyOf(changes);
        blockers = List.copyOf(blockers);
    }

    /** This result as the outcome of all attempts: their count, lock wait, overall duration and final failure. */
    DatabaseResult afterAttempts(int attemptsMade, long lockWait, long totalMillis, DeployFailure finalFailure) {
        return new DatabaseResult(database, status, deploymentId, dryRun, totalMillis, statementsExecuted, changes,
                schemaValidation, blockers, finalFailure, attemptsMade, lockWait);
    }

    static DatabaseResult skipped(String database, String deploymentId, boolean dryRun, String why) {
        return new DatabaseResult(database, DeployStatus.SKIPPED, deploymentId, dryRun, 0, 0, List.of(),
                SchemaValidation.EMPTY, List.of(why), null, 0, 0);
    }
}
