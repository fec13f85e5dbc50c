package org.stonescriptdb.gateway.schema.deploy;

import org.stonescriptdb.gateway.schema.bundle.BundleFile;

import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.Optional;

/**
 * Runs a migration statement on a database created from a schema its platform's main database already took
 * ({@link DeployOptions#newDatabase()}). Such a database starts from tables/ — the current shape — so a migration
 * written for an older shape (an UPDATE of a column since renamed, a DROP of a column tables/ no longer declares, an
 * INSERT missing a column added later) can only fail there, and what it did is already in that shape. Each statement
 * runs under a savepoint; when it fails with an error of that kind it is undone and reported, and the next statement
 * runs. Any other error — a raised exception, a missing privilege, a timeout, a lost connection — still fails the
 * database: it says something about this database, not about the history.
 */
final class MigrationHistory {

    private MigrationHistory() {
    }

    /**
     * Runs {@code sql}; returns the error when the statement was skipped as written for an older shape.
     *
     * @throws StepFailure for any other error (the deploy is rolled back)
     */
    static Optional<SQLException> execute(DeploySession s, BundleFile file, String sql) throws StepFailure, SQLException {
        Savepoint before = s.connection.setSavepoint();
        try {
            s.execute(file, sql);
        } catch (StepFailure f) {
            if (!(f.getCause() instanceof SQLException e) || !writtenForAnOlderShape(e.getSQLState())) throw f;
            s.connection.rollback(before);
            return Optional.of(e);
        }
        s.connection.releaseSavepoint(before);
        return Optional.empty();
    }

    /**
     * Class 42 (an object or column that does not exist or already exists, a type mismatch) but not a syntax error
     * or a missing privilege; class 23 (a row that breaks a constraint added later); class 2B (a drop refused
     * because something still depends on the object).
     */
    static boolean writtenForAnOlderShape(String sqlState) {
        if (sqlState == null || sqlState.length() != 5) return false;
        if (sqlState.equals(DeploySqlState.INSUFFICIENT_PRIVILEGE) || sqlState.equals(DeploySqlState.SYNTAX_ERROR)) return false;
        return sqlState.startsWith("42") || sqlState.startsWith("23") || sqlState.startsWith("2B");
    }
}
