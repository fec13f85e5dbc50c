package org.stonescriptdb.gateway.schema.deploy;

import org.stonescriptdb.gateway.schema.history.TrackedFunction;
import org.stonescriptdb.gateway.schema.history.TrackedState;
import org.stonescriptdb.gateway.schema.plan.FunctionSpec;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.stonescriptdb.gateway.schema.history.TrackingTables.FUNCTIONS;
import java.util.Locale;
import java.util.HashSet;

/**
 * Deploys routines by checksum: unchanged ones cost nothing, changed bodies are replaced, changed headers
 * (return type, argument names or defaults) are dropped and re-created, and routines the gateway deployed
 * earlier that the bundle no longer has are dropped. Routines it did not deploy are never touched.
 *
 * <p>Bodies are created with check_function_bodies off, as pg_dump does, so a SQL function may call one
 * created later in the same deploy; each changed routine is then created once more with checks on, so a
 * broken body still fails the deploy and is named.
 */
final class FunctionStep {

    private FunctionStep() {
    }

    static void apply(DeploySession s, List<FunctionSpec> functions, TrackedState state) throws SQLException, StepFailure {
        Map<String, TrackedFunction> tracked = new HashMap<>(state.functions());
        Set<String> wanted = functions.stream().map(FunctionSpec::signature).collect(Collectors.toSet());
        for (String gone : new TreeSet<>(missingLive(s))) {
            tracked.remove(gone);
            if (wanted.contains(gone)) continue;
            // Dropped by hand and gone from the bundle too: forget it, or every later deploy would trip over it.
            s.tracking.forgetFunction(gone);
            s.record("function", gone, "forgotten (no longer exists)", null, state.functions().get(gone).checksum(), null);
        }

        for (TrackedFunction orphan : new TreeMap<>(tracked).values()) {
            if (wanted.contains(orphan.signature())) continue;
            s.execute(null, "DROP " + orphan.routineKind().toUpperCase(Locale.ROOT) + " IF EXISTS "
                    + orphan.signature());
            s.tracking.forgetFunction(orphan.signature());
            s.record("function", orphan.signature(), "dropped (no longer in bundle)", null, orphan.checksum(), null);
        }

        List<FunctionSpec> changed = new ArrayList<>();
        boolean checksOff = false;
        for (FunctionSpec f : functions) {
            TrackedFunction before = tracked.get(f.signature());
            if (before != null && before.checksum().equals(f.checksum())) continue;
            if (!checksOff) {
                s.execute(null, "SET LOCAL check_function_bodies = off");
                checksOff = true;
            }
            String action;
            if (before == null) {
                action = "created";
            } else if (!before.header().equals(f.header())) {
                s.execute(f.file(), "DROP " + f.routineKind().toUpperCase(Locale.ROOT) + " " + f.signature());
                action = "recreated (signature or return type changed)";
            } else {
                action = "replaced";
            }
            s.execute(f.file(), f.createSql());
            s.tracking.function(f.signature(), f.routineKind(), f.name(), f.header(), f.checksum(), f.file().path());
            s.record("function", f.signature(), action, f.file(), before == null ? null : before.checksum(), f.checksum());
            changed.add(f);
        }
        if (checksOff) {
            s.execute(null, "SET LOCAL check_function_bodies = on");
            for (FunctionSpec f : changed) s.execute(f.file(), f.createSql());
        }
    }

    /** Tracked routines someone dropped by hand: treat them as new so they are created again. */
    private static Set<String> missingLive(DeploySession s) throws SQLException {
        try (Statement st = s.connection.createStatement();
             ResultSet rs = st.executeQuery("SELECT signature FROM " + FUNCTIONS + " WHERE to_regprocedure(signature) IS NULL")) {
            Set<String> missing = new HashSet<>();
            while (rs.next()) missing.add(rs.getString(1));
            return missing;
        }
    }
}
