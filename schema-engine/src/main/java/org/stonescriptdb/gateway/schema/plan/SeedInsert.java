package org.stonescriptdb.gateway.schema.plan;

import java.util.List;

/** One INSERT ... VALUES of a seeder: each row holds the literal SQL text of each column's value. */
public record SeedInsert(String table, List<String> columns, List<List<String>> rows) {
    public SeedInsert {
        columns = List.copyOf(columns);
        rows = rows.stream().map(List::copyOf).toList();
    }
}
