package org.stonescriptdb.gateway.schema.plan;

/** When a migration runs relative to the declarative tables step; see {@link MigrationPhases}. */
public enum MigrationPhase {
    /** Before the table diff: it creates what tables need, or reshapes a declared table so the diff sees the result. */
    BEFORE_TABLES,
    /** After new tables and additive column changes: it uses declared tables as declared now. */
    AFTER_TABLES
}
