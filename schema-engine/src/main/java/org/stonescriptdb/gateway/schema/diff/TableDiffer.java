package org.stonescriptdb.gateway.schema.diff;

import org.stonescriptdb.gateway.schema.plan.ColumnSpec;
import org.stonescriptdb.gateway.schema.plan.TableSpec;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.stonescriptdb.gateway.schema.sql.Identifiers.quote;

/**
 * Compares a declared table with the live one, column by column, and says what each difference would cost.
 * Column defaults, indexes and constraints other than NOT NULL are not compared; change those in a migration.
 */
public final class TableDiffer {

    private TableDiffer() {
    }

    public static PlannedChange createTable(TableSpec table) {
        return new PlannedChange(ChangeClass.SAFE, new ColumnChange(table.name(), null, "create table", null, null), null);
    }

    public static PlannedChange dropTable(String table) {
        return new PlannedChange(ChangeClass.DATALOSS, new ColumnChange(table, null, "drop table", null, null),
                "DROP TABLE " + quote(table));
    }

    public static List<PlannedChange> diff(TableSpec desired, Map<String, LiveColumn> live) {
        List<PlannedChange> changes = new ArrayList<>();
        String t = quote(desired.name());
        for (ColumnSpec want : desired.columns()) {
            LiveColumn have = live.get(want.name());
            if (have == null) {
                boolean safe = !want.notNull() || want.hasDefault();
                changes.add(new PlannedChange(safe ? ChangeClass.SAFE : ChangeClass.DATALOSS,
                        new ColumnChange(desired.name(), want.name(),
                                safe ? "add column" : "add NOT NULL column without default", null, want.type()),
                        "ALTER TABLE " + t + " ADD COLUMN " + want.definition()));
                continue;
            }
            if (!have.type().equals(want.type())) {
                ChangeClass cls = TypeChangeClassifier.classify(have.type(), want.type());
                String what = switch (cls) {
                    case SAFE -> "widen type";
                    case DATALOSS -> "narrow type";
                    case INCOMPATIBLE -> "incompatible type change";
                };
                String c = quote(want.name());
                changes.add(new PlannedChange(cls, new ColumnChange(desired.name(), want.name(), what, have.type(), want.type()),
                        "ALTER TABLE " + t + " ALTER COLUMN " + c + " TYPE " + want.type() + " USING " + c + "::" + want.type()));
            }
            if (want.notNull() && !have.notNull()) {
                changes.add(new PlannedChange(ChangeClass.DATALOSS,
                        new ColumnChange(desired.name(), want.name(), "set NOT NULL", "null", "not null"),
                        "ALTER TABLE " + t + " ALTER COLUMN " + quote(want.name()) + " SET NOT NULL"));
            } else if (!want.notNull() && have.notNull()) {
                changes.add(new PlannedChange(ChangeClass.SAFE,
                        new ColumnChange(desired.name(), want.name(), "drop NOT NULL", "not null", "null"),
                        "ALTER TABLE " + t + " ALTER COLUMN " + quote(want.name()) + " DROP NOT NULL"));
            }
        }
        for (LiveColumn have : live.values()) {
            if (desired.column(have.name()).isEmpty()) {
                changes.add(new PlannedChange(ChangeClass.DATALOSS,
                        new ColumnChange(desired.name(), have.name(), "drop column", have.type(), null),
                        "ALTER TABLE " + t + " DROP COLUMN " + quote(have.name())));
            }
        }
        return changes;
    }
}
