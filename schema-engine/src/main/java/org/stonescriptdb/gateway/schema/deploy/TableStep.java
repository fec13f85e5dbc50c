package org.stonescriptdb.gateway.schema.deploy;

import org.stonescriptdb.gateway.schema.bundle.BundleFile;
import org.stonescriptdb.gateway.schema.diff.ChangeClass;
import org.stonescriptdb.gateway.schema.diff.LiveCatalog;
import org.stonescriptdb.gateway.schema.diff.PlannedChange;
import org.stonescriptdb.gateway.schema.diff.TableDiffer;
import org.stonescriptdb.gateway.schema.history.TrackedState;
import org.stonescriptdb.gateway.schema.plan.TableSpec;
import org.stonescriptdb.gateway.schema.sql.SqlStatement;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Brings tables to their declared shape, in two halves around the after-tables migrations. {@link #plan} diffs and
 * classifies everything first: if any change is data-loss or incompatible and {@code force} is off, nothing is
 * executed and the deploy is blocked. {@link #applySafe} then creates new tables in foreign-key order and makes the
 * safe column changes (add, widen, drop NOT NULL), so migrations can fill and index them; {@link #applyRest} makes
 * the forced data-loss and incompatible changes after those migrations — a migration can still copy a column
 * before it is dropped — then drops tables the gateway created earlier and the bundle no longer has (children first).
 */
final class TableStep {

    private final List<TableSpec> tables;
    private final TrackedState state;
    private final LiveCatalog live;
    private final List<TableSpec> toCreate = new ArrayList<>();
    private final List<TableSpec> toTrack = new ArrayList<>();
    private final List<PlannedChange> alters = new ArrayList<>();
    private final List<String> dropped = new ArrayList<>();

    private TableStep(List<TableSpec> tables, TrackedState state, LiveCatalog live) {
        this.tables = tables;
        this.state = state;
        this.live = live;
    }

    /** Diffs and classifies; adds a blocker when a risky change is not forced. Executes nothing. */
    static TableStep plan(DeploySession s, List<TableSpec> tables, TrackedState state) throws SQLException {
        TableStep step = new TableStep(tables, state, LiveCatalog.read(s.connection));
        step.diff(s);
        return step;
    }

    private void diff(DeploySession s) {
        for (TableSpec t : tables) {
            if (!live.has(t.name())) {
                toCreate.add(t);
                s.classify(ChangeClass.SAFE, TableDiffer.createTable(t).change());
            } else {
                alters.addAll(TableDiffer.diff(t, live.tables().get(t.name())));
            }
            if (!t.checksum().equals(state.tables().get(t.name()))) toTrack.add(t);
        }
        Set<String> declared = new HashSet<>();
        tables.forEach(t -> declared.add(t.name()));
        for (String name : new TreeSet<>(state.tables().keySet())) {
            if (declared.contains(name)) continue;
            dropped.add(name);
            if (live.has(name)) alters.add(TableDiffer.dropTable(name));
        }
        alters.forEach(c -> s.classify(c.changeClass(), c.change()));

        boolean risky = alters.stream().anyMatch(c -> c.changeClass() != ChangeClass.SAFE);
        if (risky && !s.options.force()) {
            s.blockers.add(s.dataloss.size() + " data-loss and " + s.incompatible.size() + " incompatible table "
                    + "change(s) (see schema_validation); change them with a migration, or deploy with force=true "
                    + "to apply them");
        }
    }

    /** New tables, then safe column changes. */
    void applySafe(DeploySession s) throws StepFailure {
        for (TableSpec t : toCreate) {
            for (SqlStatement st : t.statements()) s.execute(t.file(), st.text());
            s.createdTables.add(t.name());
            s.record("table", t.name(), "created", t.file(), state.tables().get(t.name()), t.checksum());
        }
        for (PlannedChange c : alters) {
            if (c.changeClass() == ChangeClass.SAFE && c.change().column() != null) alter(s, c);
        }
    }

    /** Forced column changes, then table drops, then the tracking rows. */
    void applyRest(DeploySession s) throws SQLException, StepFailure {
        for (PlannedChange c : alters) {
            if (c.changeClass() != ChangeClass.SAFE && c.change().column() != null) alter(s, c);
        }
        // Drops of whole tables go last so an ALTER never refers to a table already gone.
        List<PlannedChange> tableDrops = alters.stream().filter(c -> c.change().column() == null).toList().reversed();
        for (PlannedChange c : tableDrops) {
            s.execute(null, c.sql());
            s.record("table", c.change().table(), "dropped", null, state.tables().get(c.change().table()), null);
        }
        for (String name : dropped) {
            s.tracking.forgetTable(name);
            // Dropped outside the gateway: forget it, and say so, or every later deploy would trip over it.
            if (!live.has(name)) s.record("table", name, "forgotten (no longer exists)", null, state.tables().get(name), null);
        }
        for (TableSpec t : toTrack) {
            s.tracking.table(t.name(), t.checksum());
            if (!toCreate.contains(t)) {
                s.record("table", t.name(), "declaration updated", t.file(), state.tables().get(t.name()), t.checksum());
            }
        }
    }

    private void alter(DeploySession s, PlannedChange c) throws StepFailure {
        BundleFile file = fileOf(c.change().table());
        s.execute(file, c.sql());
        s.record("table", c.change().table() + "." + c.change().column(), c.change().change(), file, null, null);
    }

    private BundleFile fileOf(String name) {
        return tables.stream().filter(t -> t.name().equals(name)).map(TableSpec::file).findFirst().orElse(null);
    }
}
