package org.stonescriptdb.gateway.schema.plan;

import org.stonescriptdb.gateway.schema.bundle.BundleFile;
import org.stonescriptdb.gateway.schema.sql.SqlStatement;

import java.util.List;

/** A type from types/: its kind, ENUM labels in order, and the normalised checksum of its file. */
public record TypeSpec(String name, Kind kind, List<String> enumLabels, String checksum, BundleFile file,
                       List<SqlStatement> statements) {

    public enum Kind { ENUM, COMPOSITE, DOMAIN }

    public TypeSpec {
        enumLabels = List.copyOf(enumLabels);
        statements = List.copyOf(statements);
    }
}
