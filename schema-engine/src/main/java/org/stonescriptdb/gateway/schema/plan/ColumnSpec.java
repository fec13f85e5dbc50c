package org.stonescriptdb.gateway.schema.plan;

/**
 * A declared column. {@code type} is canonical (see TypeNames); {@code definition} is the column's text as
 * written, reused verbatim for ALTER TABLE ... ADD COLUMN.
 */
public record ColumnSpec(String name, String type, boolean notNull, boolean hasDefault, String definition) {
}
