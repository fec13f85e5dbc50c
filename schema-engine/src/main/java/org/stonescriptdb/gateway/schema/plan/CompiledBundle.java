package org.stonescriptdb.gateway.schema.plan;

import java.util.List;

/**
 * A bundle parsed and ordered, ready to deploy to any number of databases: types in dependency order,
 * migrations in natural file-name order (each with its phase), tables in foreign-key order, seeders in the order of their tables.
 *
 * @param checksum the bundle's checksum and {@code label} its version label (null if none): what each database it
 *                 is deployed to records that it carries
 */
public record CompiledBundle(List<ExtensionSpec> extensions, List<TypeSpec> types, List<MigrationSpec> migrations,
                             List<TableSpec> tables, List<FunctionSpec> functions, List<SeederSpec> seeders,
                             String checksum, String label) {
    public CompiledBundle {
        extensions = List.copyOf(extensions);
        types = List.copyOf(types);
        migrations = List.copyOf(migrations);
        tables = List.copyOf(tables);
        functions = List.copyOf(functions);
        seeders = List.copyOf(seeders);
    }

    /** The migrations of one phase, in natural file-name order. */
    public List<MigrationSpec> migrations(MigrationPhase phase) {
        return migrations.stream().filter(m -> m.phase() == phase).toList();
    }
}
