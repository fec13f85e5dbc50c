package org.stonescriptdb.gateway.schema.diff;

/** How risky a table change is. Only SAFE changes apply without {@code force}. */
public enum ChangeClass {
    /** Keeps every existing value: add table, add nullable/defaulted column, widen a type. */
    SAFE,
    /** Can lose or reject existing data: drop table/column, NOT NULL without default, narrowing. */
    DATALOSS,
    /** No meaningful conversion exists (e.g. numeric → boolean). */
    INCOMPATIBLE
}
