package org.stonescriptdb.gateway.schema.deploy;

import org.stonescriptdb.gateway.schema.plan.SeedInsert;
import org.stonescriptdb.gateway.schema.plan.SeederSpec;
import org.stonescriptdb.gateway.schema.plan.TableSpec;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.stonescriptdb.gateway.schema.sql.Identifiers.literal;
import static org.stonescriptdb.gateway.schema.sql.Identifiers.quote;

/**
 * Builds one SQL expression that yields the seeded rows a database is missing, as text like
 * {@code roles(id=3), roles(id=4)} (empty when none). Rows are matched by the table's declared primary key
 * when the seeder sets all of its columns, otherwise by every column the seeder sets. The seeder's own
 * literals are compared with {@code =}, so PostgreSQL coerces them to the column types (enums, uuids, dates).
 */
final class SeedCheck {

    private SeedCheck() {
    }

    static String missingRowsExpression(SeederSpec seeder, List<TableSpec> tables) {
        return missingRowsExpression(seeder, tables, Map.of());
    }

    /**
     * @param livePrimaryKeys primary keys read from the catalog for tables not declared in tables/ (e.g.
     *                        created by a migration). The one-query fast path has none and matches such rows
     *                        on every inserted column — stricter, so it can only send a deploy to the full
     *                        path, never wave a missing row through.
     */
    static String missingRowsExpression(SeederSpec seeder, List<TableSpec> tables, Map<String, List<String>> livePrimaryKeys) {
        Map<String, List<String>> keys = new HashMap<>(livePrimaryKeys);
        for (TableSpec t : tables) keys.put(t.name(), t.primaryKey());
        List<String> cases = new ArrayList<>();
        for (SeedInsert insert : seeder.inserts()) {
            List<Integer> key = keyColumns(insert, keys.getOrDefault(insert.table(), List.of()));
            for (List<String> row : insert.rows()) {
                List<String> conditions = new ArrayList<>();
                List<String> label = new ArrayList<>();
                for (int k : key) {
                    String column = insert.columns().get(k);
                    String value = row.get(k);
                    conditions.add(value.trim().equalsIgnoreCase("null")
                            ? quote(column) + " IS NULL" : quote(column) + " = " + value);
                    label.add(column + "=" + value);
                }
                cases.add("CASE WHEN EXISTS (SELECT 1 FROM " + quote(insert.table()) + " WHERE "
                        + String.join(" AND ", conditions) + ") THEN NULL ELSE "
                        + literal(insert.table() + "(" + String.join(", ", label) + ")") + " END");
            }
        }
        if (cases.isEmpty()) return "''";
        return "array_to_string(ARRAY[" + String.join(", ", cases) + "]::text[], ', ')";
    }

    private static List<Integer> keyColumns(SeedInsert insert, List<String> primaryKey) {
        List<Integer> key = new ArrayList<>();
        if (!primaryKey.isEmpty() && insert.columns().containsAll(primaryKey)) {
            for (String pk : primaryKey) key.add(insert.columns().indexOf(pk));
        } else {
            for (int i = 0; i < insert.columns().size(); i++) key.add(i);
        }
        return key;
    }
}
