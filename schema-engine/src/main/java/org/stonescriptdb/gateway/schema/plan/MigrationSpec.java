package org.stonescriptdb.gateway.schema.plan;

import org.stonescriptdb.gateway.schema.bundle.BundleFile;
import org.stonescriptdb.gateway.schema.sql.SqlStatement;

import java.util.List;

/** A migration: applied once, identified by its file name below migrations/. */
public record MigrationSpec(String name, String checksum, BundleFile file, List<SqlStatement> statements) {
    public MigrationSpec {
        statements = List.copyOf(statements);
    }
}
