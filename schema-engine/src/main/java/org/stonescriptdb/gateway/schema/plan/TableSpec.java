package org.stonescriptdb.gateway.schema.plan;

import org.stonescriptdb.gateway.schema.bundle.BundleFile;
import org.stonescriptdb.gateway.schema.sql.SqlStatement;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/** A declarative table from tables/: columns, primary key, and the tables its foreign keys reference. */
public record TableSpec(String name, List<ColumnSpec> columns, List<String> primaryKey, Set<String> references,
                        String checksum, BundleFile file, List<SqlStatement> statements) {

    public TableSpec {
        columns = List.copyOf(columns);
        primaryKey = List.copyOf(primaryKey);
        references = Set.copyOf(references);
        statements = List.copyOf(statements);
    }

    public Optional<ColumnSpec> column(String columnName) {
        return columns.stream().filter(c -> c.name().equals(columnName)).findFirst();
    }
}
