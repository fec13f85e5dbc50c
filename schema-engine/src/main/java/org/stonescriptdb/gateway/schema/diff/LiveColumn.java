package org.stonescriptdb.gateway.schema.diff;

/** A column as the catalog reports it; {@code type} is format_type() output. */
public record LiveColumn(String name, String type, boolean notNull, boolean hasDefault) {
}
