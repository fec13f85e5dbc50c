package org.stonescriptdb.gateway.schema.deploy;

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
import org.stonescriptdb.gateway.schema.bundle.BundleFile;

/**
 * Brings tables to their declared shape. The whole diff is classified before anything runs: if any change
 * is data-loss or incompatible and {@code force} is off, nothing is executed and the deploy is blocked.
 * Otherwise new tables are created in foreign-key order, then existing tables altered, then tables the
 * gateway created earlier and the bundle dropped are dropped (children first).
 */
final class TableStep {

    private TableStep() {
    }

    static void apply(DeploySession s, List<TableSpec> tables, TrackedState state) throws SQLException, StepFailure {
        LiveCatalog live = LiveCatalog.read(s.connection);
        List<TableSpec> toCreate = new ArrayList<>();
        List<TableSpec> toTrack = new ArrayList<>();
        List<PlannedChange> alters = new ArrayList<>();
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
        List<String> dropped = new ArrayList<>();
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
            return;
        }
        for (TableSpec t : toCreate) {
            for (SqlStatement st : t.statements()) s.execute(t.file(), st.text());
            s.record("table", t.name(), "created", t.file(), state.tables().get(t.name()), t.checksum());
        }
        // Drops of whole tables go last so an ALTER never refers to a table already gone.
        List<PlannedChange> tableDrops = alters.stream().filter(c -> c.change().column() == null).toList().reversed();
        for (PlannedChange c : alters) {
            if (c.change().column() == null) continue;
            s.execute(fileOf(tables, c.change().table()), c.sql());
            s.record("table", c.change().table() + "." + c.change().column(), c.change().change(),
                    fileOf(tables, c.change().table()), null, null);
        }
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

    private static BundleFile fileOf(List<TableSpec> tables, String name) {
        return tables.stream().filter(t -> t.name().equals(name)).map(TableSpec::file).findFirst().orElse(null);
    }

}
