package org.stonescriptdb.gateway.schema.deploy;

import java.util.Locale;

/** Outcome for one database. {@link #toString()} is the lower-case wire name used in reports. */
public enum DeployStatus {
    /** Changes were made (or, in a dry run, would be made). */
    APPLIED,
    /** The database already matches the bundle; nothing was executed. */
    UNCHANGED,
    /** Data-loss or incompatible changes, or a type change, need {@code force} or a migration; rolled back. */
    BLOCKED,
    /** A statement or check failed; rolled back. */
    FAILED,
    /** Not attempted: an earlier failure stopped the fan-out. */
    SKIPPED;

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
