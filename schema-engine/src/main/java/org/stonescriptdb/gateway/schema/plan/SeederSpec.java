package org.stonescriptdb.gateway.schema.plan;

import org.stonescriptdb.gateway.schema.bundle.BundleFile;
import org.stonescriptdb.gateway.schema.sql.SqlStatement;

import java.util.List;

/** A seeder: statements to run on first deploy, and the inserted rows later deploys must still find. */
public record SeederSpec(String name, String checksum, List<SeedInsert> inserts, BundleFile file,
                         List<SqlStatement> statements) {
    public SeederSpec {
        inserts = List.copyOf(inserts);
        statements = List.copyOf(statements);
    }

    public List<String> tables() {
        return inserts.stream().map(SeedInsert::table).distinct().toList();
    }
}
