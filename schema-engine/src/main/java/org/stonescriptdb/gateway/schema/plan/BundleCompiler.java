package org.stonescriptdb.gateway.schema.plan;

import org.stonescriptdb.gateway.schema.bundle.Bundle;
import org.stonescriptdb.gateway.schema.bundle.BundleException;
import org.stonescriptdb.gateway.schema.bundle.BundleFile;
import org.stonescriptdb.gateway.schema.bundle.BundleKind;
import org.stonescriptdb.gateway.schema.sql.SqlScript;
import org.stonescriptdb.gateway.schema.sql.SqlStatement;
import org.stonescriptdb.gateway.schema.sql.SqlSyntaxException;
import org.stonescriptdb.gateway.schema.sql.Token;
import org.stonescriptdb.gateway.schema.sql.SqlLexer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.stonescriptdb.gateway.schema.sql.SqlNormalizer;

/**
 * Parses and orders a bundle once, before any database is touched, so a bundle that cannot be planned is
 * refused up front instead of failing on the first of a hundred databases.
 */
public final class BundleCompiler {

    private BundleCompiler() {
    }

    /** Statements that would end or split the deploy's single transaction. */
    private static final Set<String> TRANSACTION_CONTROL = Set.of("begin", "start", "commit", "end", "rollback",
            "abort", "savepoint", "release");

    public static CompiledBundle compile(Bundle bundle) {
        for (BundleFile f : bundle.files()) refuseTransactionControl(f);
        List<ExtensionSpec> extensions = each(bundle, BundleKind.EXTENSIONS, ExtensionParser::parse);
        List<TypeSpec> types = orderTypes(unique(each(bundle, BundleKind.TYPES, TypeParser::parse), TypeSpec::name,
                s -> s.file().path(), "type"));
        List<MigrationSpec> migrations = each(bundle, BundleKind.MIGRATIONS,
                f -> new MigrationSpec(f.name(), SqlNormalizer.checksum(f.sql()), f,
                        SqlScript.split(f.sql())));
        List<TableSpec> tables = orderTables(unique(each(bundle, BundleKind.TABLES, TableParser::parse), TableSpec::name,
                s -> s.file().path(), "table"));
        Set<String> declaredTables = new HashSet<>();
        tables.forEach(t -> declaredTables.add(t.name()));
        migrations = MigrationPhases.assign(migrations, declaredTables);
        Map<String, String> columnTypes = new HashMap<>();
        for (TableSpec t : tables) t.columns().forEach(c -> columnTypes.put(t.name() + "." + c.name(), c.type()));
        List<FunctionSpec> functions = unique(eachMany(bundle, BundleKind.FUNCTIONS,
                        f -> FunctionParser.parse(f, columnTypes::get)),
                FunctionSpec::signature, s -> s.file().path(), "function");
        List<SeederSpec> seeders = orderSeeders(each(bundle, BundleKind.SEEDERS, SeederParser::parse), tables);
        return new CompiledBundle(extensions, types, migrations, tables, functions, seeders, bundle.checksum(), bundle.label());
    }

    private static void refuseTransactionControl(BundleFile f) {
        try {
            for (SqlStatement s : SqlScript.split(f.sql())) {
                Token first = s.tokens().getFirst();
                boolean prepared = first.isWord("prepare") && s.tokens().size() > 1 && s.tokens().get(1).isWord("transaction");
                if (first.kind() == Token.Kind.WORD && TRANSACTION_CONTROL.contains(first.identifier()) || prepared) {
                    throw ParseErrors.in(f, s, "controls the transaction; each database is deployed in one transaction "
                            + "managed by the gateway, so remove BEGIN/COMMIT/ROLLBACK/SAVEPOINT from the file");
                }
            }
        } catch (SqlSyntaxException e) {
            throw new BundleException(f.path() + ": " + e.getMessage(), e);
        }
    }

    private static <T> List<T> each(Bundle bundle, BundleKind kind, Function<BundleFile, T> parser) {
        return eachMany(bundle, kind, f -> List.of(parser.apply(f)));
    }

    private static <T> List<T> eachMany(Bundle bundle, BundleKind kind, Function<BundleFile, List<T>> parser) {
        List<T> out = new ArrayList<>();
        for (BundleFile f : bundle.of(kind)) {
            try {
                out.addAll(parser.apply(f));
            } catch (SqlSyntaxException e) {
                throw new BundleException(f.path() + ": " + e.getMessage(), e);
            }
        }
        return out;
    }

    private static <T> List<T> unique(List<T> specs, Function<T, String> key, Function<T, String> where, String what) {
        Map<String, T> seen = new HashMap<>();
        for (T s : specs) {
            T before = seen.putIfAbsent(key.apply(s), s);
            if (before != null) {
                throw new BundleException(what + " " + key.apply(s) + " is defined twice, in " + where.apply(before)
                        + " and " + where.apply(s) + "; keep one definition");
            }
        }
        return specs;
    }

    private static List<TableSpec> orderTables(List<TableSpec> tables) {
        Map<String, TableSpec> byName = new LinkedHashMap<>();
        Map<String, Set<String>> deps = new HashMap<>();
        for (TableSpec t : tables) {
            byName.put(t.name(), t);
            deps.put(t.name(), t.references());
        }
        return TopologicalOrder.sort(deps, "foreign-key cycle between tables",
                "declare one of these references in a migration (ALTER TABLE ... ADD FOREIGN KEY) instead")
                .stream().map(byName::get).toList();
    }

    // A composite or domain may use another bundle type; any word naming one counts as a dependency.
    private static List<TypeSpec> orderTypes(List<TypeSpec> types) {
        Map<String, TypeSpec> byName = new LinkedHashMap<>();
        types.forEach(t -> byName.put(t.name(), t));
        Map<String, Set<String>> deps = new HashMap<>();
        for (TypeSpec t : types) {
            Set<String> uses = new HashSet<>();
            for (Token tok : SqlLexer.tokenize(t.file().sql())) {
                if ((tok.kind() == Token.Kind.WORD || tok.kind() == Token.Kind.QUOTED_IDENTIFIER)
                        && byName.containsKey(tok.identifier())) {
                    uses.add(tok.identifier());
                }
            }
            deps.put(t.name(), uses);
        }
        return TopologicalOrder.sort(deps, "dependency cycle between types",
                "a type cannot contain itself; break the loop")
                .stream().map(byName::get).toList();
    }

    private static List<SeederSpec> orderSeeders(List<SeederSpec> seeders, List<TableSpec> tables) {
        List<String> tableOrder = tables.stream().map(TableSpec::name).toList();
        List<SeederSpec> sorted = new ArrayList<>(seeders);
        // Seed parents before children; seeders of tables outside tables/ keep file order, after the rest.
        sorted.sort((a, b) -> Integer.compare(rank(a, tableOrder), rank(b, tableOrder)));
        return sorted;
    }

    private static int rank(SeederSpec s, List<String> tableOrder) {
        int last = -1;
        for (String table : s.tables()) last = Math.max(last, tableOrder.indexOf(table));
        return last < 0 ? Integer.MAX_VALUE : last;
    }
}
