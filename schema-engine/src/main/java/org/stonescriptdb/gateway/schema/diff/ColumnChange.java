package org.stonescriptdb.gateway.schema.diff;

/**
 * One table change as reported: {@code column} is null for whole-table changes; {@code from}/{@code to} are
 * canonical types or null when not applicable.
 */
public record ColumnChange(String table, String column, String change, String from, String to) {
}
