package org.stonescriptdb.gateway.schema.diff;

/** A classified change with the SQL that makes it. */
public record PlannedChange(ChangeClass changeClass, ColumnChange change, String sql) {
}
