package org.stonescriptdb.gateway.schema.deploy;

/**
 * One change a deploy made (or would make in a dry run).
 *
 * @param kind   extension, type, migration, table, function, seeder
 * @param object the extension/type/table name, migration file name or function signature
 * @param action created, replaced, recreated, dropped, applied, altered, seeded, ...
 * @param file   the bundle file responsible, or null for generated changes such as dropping an orphan
 */
public record AppliedChange(String kind, String object, String action, String file) {
}
