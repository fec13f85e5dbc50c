package org.stonescriptdb.gateway.schema.deploy;

import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;
import org.stonescriptdb.gateway.schema.bundle.BundleFile;
import org.stonescriptdb.gateway.schema.diff.ChangeClass;
import org.stonescriptdb.gateway.schema.diff.ColumnChange;
import org.stonescriptdb.gateway.schema.history.ChangelogEntry;
import org.stonescriptdb.gateway.schema.history.Tracking;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * State of one database's deploy transaction: the connection, what has changed so far, and the blockers.
 * Every bundle statement runs through {@link #execute} so a failure names its file and statement.
 */
final class DeploySession {

    private static final int STATEMENT_IN_REPORT = 2000;

    final Connection connection;
    final DeployOptions options;
    final Tracking tracking;
    final List<AppliedChange> changes = new ArrayList<>();
    final List<ChangelogEntry> changelog = new ArrayList<>();
    final List<String> blockers = new ArrayList<>();
    final List<ColumnChange> safe = new ArrayList<>();
    final List<ColumnChange> dataloss = new ArrayList<>();
    final List<ColumnChange> incompatible = new ArrayList<>();
    /** Types that migrations of this deploy create, alter or drop: their changed definitions are accepted. */
    final Set<String> typesChangedByMigrations = new HashSet<>();
    /** Declared tables this deploy created: empty before it, whatever its migrations then put in them. */
    final Set<String> createdTables = new HashSet<>();
    int statementsExecuted;

    DeploySession(Connection connection, DeployOptions options, UUID deploymentId) {
        this.connection = connection;
        this.options = options;
        this.tracking = new Tracking(connection, deploymentId);
    }

    void execute(BundleFile file, String sql) throws StepFailure {
        try (Statement st = connection.createStatement()) {
            // JDBC escapes ({fn ...}, {d '...'}) are not SQL; PostgreSQL must see the text unchanged.
            st.setEscapeProcessing(false);
            st.execute(sql);
            statementsExecuted++;
        } catch (SQLException e) {
            throw failure(file, sql, e);
        }
    }

    void record(String kind, String object, String action, BundleFile file, String oldChecksum, String newChecksum) {
        changes.add(new AppliedChange(kind, object, action, file == null ? null : file.path()));
        changelog.add(new ChangelogEntry(kind, object, action, oldChecksum, newChecksum));
    }

    void classify(ChangeClass cls, ColumnChange change) {
        switch (cls) {
            case SAFE -> safe.add(change);
            case DATALOSS -> dataloss.add(change);
            case INCOMPATIBLE -> incompatible.add(change);
        }
    }

    SchemaValidation validation() {
        return new SchemaValidation(safe, dataloss, incompatible);
    }

    static StepFailure failure(BundleFile file, String sql, SQLException e) {
        String statement = sql == null ? null
                : sql.length() <= STATEMENT_IN_REPORT ? sql : sql.substring(0, STATEMENT_IN_REPORT) + "...";
        return new StepFailure(new DeployFailure(file == null ? null : file.path(), statement, e.getSQLState(),
                describe(e)), e);
    }

    static StepFailure failure(BundleFile file, String message) {
        return new StepFailure(new DeployFailure(file == null ? null : file.path(), null, null, message), null);
    }

    /** PostgreSQL's message plus its detail, hint and where, which usually say what to fix. */
    static String describe(SQLException e) {
        if (e instanceof PSQLException p && p.getServerErrorMessage() != null) {
            ServerErrorMessage m = p.getServerErrorMessage();
            StringBuilder s = new StringBuilder(m.getMessage() == null ? String.valueOf(e.getMessage()) : m.getMessage());
            if (m.getDetail() != null) s.append(" (detail: ").append(m.getDetail()).append(')');
            if (m.getHint() != null) s.append(" (hint: ").append(m.getHint()).append(')');
            if (m.getWhere() != null) s.append(" (where: ").append(m.getWhere()).append(')');
            return s.toString();
        }
        return String.valueOf(e.getMessage());
    }
}
