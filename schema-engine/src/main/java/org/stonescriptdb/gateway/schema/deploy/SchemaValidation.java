package org.stonescriptdb.gateway.schema.deploy;

import org.stonescriptdb.gateway.schema.diff.ColumnChange;

import java.util.List;

/** The table diff of one database, by class (JSON: safe_changes, dataloss_changes, incompatible_changes with snake case). */
public record SchemaValidation(List<ColumnChange> safeChanges, List<ColumnChange> datalossChanges,
                               List<ColumnChange> incompatibleChanges) {

    public static final SchemaValidation EMPTY = new SchemaValidation(List.of(), List.of(), List.of());

    public SchemaValidation {
        safeChanges = List.copyOf(safeChanges);
        datalossChanges = List.copyOf(datalossChanges);
        incompatibleChanges = List.copyOf(incompatibleChanges);
    }
}
