package org.stonescriptdb.gateway.schema.plan;

import org.junit.jupiter.api.Test;
import org.stonescriptdb.gateway.schema.bundle.Bundle;
import org.stonescriptdb.gateway.schema.bundle.BundleException;
import org.stonescriptdb.gateway.schema.bundle.BundleFile;
import org.stonescriptdb.gateway.schema.bundle.BundleKind;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.stonescriptdb.gateway.schema.plan.MigrationPhase.AFTER_TABLES;
import static org.stonescriptdb.gateway.schema.plan.MigrationPhase.BEFORE_TABLES;

/** Which side of the table diff each migration lands on, from what it names. */
class MigrationPhasesTest {

    private static List<MigrationPhase> phases(String... migrations) {
        List<BundleFile> files = new ArrayList<>();
        files.add(new BundleFile(BundleKind.TABLES, "patients.pssql", "CREATE TABLE patients (id INT PRIMARY KEY, name TEXT);"));
        files.add(new BundleFile(BundleKind.TABLES, "archived.pssql", "CREATE TABLE archive.patients (id INT PRIMARY KEY);"));
        for (int i = 0; i < migrations.length; i++) {
            files.add(new BundleFile(BundleKind.MIGRATIONS, (i + 1) + "_m.pssql", migrations[i]));
        }
        return BundleCompiler.compile(new Bundle(files)).migrations().stream().map(MigrationSpec::phase).toList();
    }

    @Test
    void whatTablesNeedRunsBeforeAndWhatUsesThemAfter() {
        assertThat(phases(
                "CREATE SCHEMA archive; CREATE SEQUENCE n;",
                "INSERT INTO patients (id) VALUES (1)",
                "CREATE INDEX ON patients (name)",
                "UPDATE archive.patients SET id = id",
                "SELECT Patients.id FROM other_table")).containsExactly(BEFORE_TABLES, AFTER_TABLES, AFTER_TABLES,
                AFTER_TABLES, AFTER_TABLES);
    }

    @Test
    void reshapingADeclaredTableRunsBeforeSoTheDiffSeesIt() {
        assertThat(phases(
                "ALTER TABLE patients RENAME COLUMN name TO full_name",
                "ALTER TABLE IF EXISTS ONLY public.patients ADD COLUMN x int",
                "ALTER TABLE patients ALTER COLUMN name TYPE varchar(10)",
                "ALTER TABLE patients_old RENAME TO patients",
                "ALTER TABLE patients ADD CONSTRAINT c CHECK (id > 0)",
                "ALTER TABLE patients ALTER COLUMN name SET DEFAULT 'x'",
                "DO $$ BEGIN ALTER TABLE patients DROP COLUMN name; END $$")).containsExactly(BEFORE_TABLES,
                BEFORE_TABLES, BEFORE_TABLES, BEFORE_TABLES, AFTER_TABLES, AFTER_TABLES, BEFORE_TABLES);
    }

    @Test
    void aMigrationNamingWhatAnAfterMigrationCreatedFollowsIt() {
        assertThat(phases(
                "CREATE VIEW patient_names AS SELECT name FROM patients",
                "GRANT SELECT ON patient_names TO PUBLIC",
                "CREATE SEQUENCE unrelated")).containsExactly(AFTER_TABLES, AFTER_TABLES, BEFORE_TABLES);
    }

    @Test
    void aMarkerOverridesTheAnalysisAndATypoIsRefused() {
        assertThat(phases(
                "-- grants\n-- ssdb:after-tables\nGRANT SELECT ON ALL TABLES IN SCHEMA public TO PUBLIC",
                "--ssdb:before-tables\nINSERT INTO patients (id) VALUES (1)")).containsExactly(AFTER_TABLES, BEFORE_TABLES);
        assertThatThrownBy(() -> phases("-- ssdb:after-table\nSELECT 1"))
                .isInstanceOf(BundleException.class).hasMessageContaining("migrations/1_m.pssql").hasMessageContaining("ssdb:after-tables");
    }

    @Test
    void renamesAreRecognised() {
        assertThat(TableRename.parse(org.stonescriptdb.gateway.schema.sql.SqlLexer.tokenize(
                "ALTER TABLE archive.patients RENAME COLUMN \"Name\" TO full_name"))).contains(
                new TableRename("archive.patients", "Name", "full_name"));
        assertThat(TableRename.parse(org.stonescriptdb.gateway.schema.sql.SqlLexer.tokenize(
                "ALTER TABLE archive.old RENAME TO patients"))).contains(new TableRename("archive.old", null, "archive.patients"));
        assertThat(TableRename.parse(org.stonescriptdb.gateway.schema.sql.SqlLexer.tokenize(
                "ALTER TABLE patients RENAME CONSTRAINT a TO b"))).isEmpty();
    }
}
