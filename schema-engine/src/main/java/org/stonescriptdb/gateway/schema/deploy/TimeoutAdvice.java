package org.stonescriptdb.gateway.schema.deploy;

/**
 * Turns a final lock or statement timeout into a message an operator can act on: how long was waited, over how many
 * attempts, and which setting to raise. PostgreSQL's own text stays first (with its "where", which names the
 * relation or tuple when PostgreSQL knows it), and the failure keeps its file and statement.
 */
final class TimeoutAdvice {

    private TimeoutAdvice() {
    }

    static DeployFailure explain(DeployFailure failure, int attempts, long lockWaitMillis, DeployOptions options) {
        if (failure == null) return null;
        String advice;
        if (DeploySqlState.LOCK_NOT_AVAILABLE.equals(failure.sqlState())) {
            advice = "gave up after " + attempts + (attempts == 1 ? " attempt" : " attempts") + " and " + lockWaitMillis
                    + " ms waiting for locks (lock_timeout " + options.lockTimeout().toMillis() + " ms each): another session"
                    + " holds a lock this deploy needs" + (failure.statement() == null ? "" : " for the statement shown")
                    + " — look for it in pg_locks / pg_stat_activity, or raise the lock timeout"
                    + " (DeployOptions.lockTimeout; DEPLOY_LOCK_TIMEOUT_MS in the gateway) and deploy again";
        } else if (DeploySqlState.QUERY_CANCELED.equals(failure.sqlState()) && failure.message().contains("statement timeout")) {
            advice = "the statement ran longer than statement_timeout " + options.statementTimeout().toMillis() + " ms;"
                    + " not retried — raise the statement timeout (DeployOptions.statementTimeout;"
                    + " DEPLOY_STATEMENT_TIMEOUT_SECS in the gateway) or make the migration faster";
        } else {
            return failure;
        }
        return new DeployFailure(failure.file(), failure.statement(), failure.sqlState(), failure.message() + "; " + advice);
    }
}
