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
 */
public record DatabaseResult(String database, DeployStatus status, String deploymentId, boolean dryRun,
                             long durationMillis, int statementsExecuted, List<AppliedChange> changes,
                             SchemaValidation schemaValidation, List<String> blockers, DeployFailure failure) {

    public DatabaseResult {
        changes = List.copyOf(changes);
        blockers = List.copyOf(blockers);
    }

    static DatabaseResult skipped(String database, String deploymentId, boolean dryRun, String why) {
        return new DatabaseResult(database, DeployStatus.SKIPPED, deploymentId, dryRun, 0, 0, List.of(),
                SchemaValidation.EMPTY, List.of(why), null);
    }
}
