package org.stonescriptdb.gateway.schema.plan;

import org.stonescriptdb.gateway.schema.bundle.BundleFile;
import org.stonescriptdb.gateway.schema.sql.SqlStatement;

import java.util.List;
import java.util.Objects;

/**
 * A migration: applied once, identified by its file name below migrations/. {@code phase} says whether it runs
 * before or after the tables step ({@link MigrationPhases}).
 */
public record MigrationSpec(String name, String checksum, BundleFile file, List<SqlStatement> statements,
                            MigrationPhase phase) {
    public MigrationSpec {
        statements = List.copyOf(statements);
        Objects.requireNonNull(phase, "phase");
    }

    /** Before tables, as every migration ran before dependency analysis. */
    public MigrationSpec(String name, String checksum, BundleFile file, List<SqlStatement> statements) {
        this(name, checksum, file, statements, MigrationPhase.BEFORE_TABLES);
    }

    public MigrationSpec withPhase(MigrationPhase newPhase) {
        return new MigrationSpec(name, checksum, file, statements, newPhase);
    }
}
