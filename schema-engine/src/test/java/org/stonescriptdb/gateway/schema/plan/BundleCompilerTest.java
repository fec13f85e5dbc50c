package org.stonescriptdb.gateway.schema.plan;

import org.junit.jupiter.api.Test;
import org.stonescriptdb.gateway.schema.bundle.Bundle;
import org.stonescriptdb.gateway.schema.bundle.BundleException;
import org.stonescriptdb.gateway.schema.bundle.BundleFile;
import org.stonescriptdb.gateway.schema.bundle.BundleKind;
import org.stonescriptdb.gateway.schema.testing.TestBundles;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BundleCompilerTest {

    @Test
    void tablesAreOrderedByForeignKeysNotByName() {
        List<String> order = BundleCompiler.compile(TestBundles.clinic()).tables().stream().map(TableSpec::name).toList();
        assertThat(order).containsExactly("audit_log", "clinics", "patients", "specialties", "doctors", "appointments",
                "invoices", "lab_results", "prescriptions", "suppliers", "medications", "prescription_items",
                "stock_movements");
    }

    @Test
    void foreignKeyCycleIsRefusedNamingTheCycle() {
        Bundle b = new Bundle(List.of(
                new BundleFile(BundleKind.TABLES, "a.sql", "CREATE TABLE a (id int PRIMARY KEY, b_id int REFERENCES b(id));"),
                new BundleFile(BundleKind.TABLES, "b.sql", "CREATE TABLE b (id int PRIMARY KEY, c_id int REFERENCES c(id));"),
                new BundleFile(BundleKind.TABLES, "c.sql", "CREATE TABLE c (id int PRIMARY KEY, a_id int REFERENCES a(id));"),
                new BundleFile(BundleKind.TABLES, "d.sql", "CREATE TABLE d (id int PRIMARY KEY, self int REFERENCES d(id));")));
        assertThatThrownBy(() -> BundleCompiler.compile(b))
                .isInstanceOf(BundleException.class)
                .hasMessageContaining("foreign-key cycle between tables: a → b → c → a");
    }

    @Test
    void typesAreDetectedAndOrderedByUse() {
        CompiledBundle c = BundleCompiler.compile(TestBundles.clinic());
        assertThat(c.types()).extracting(TypeSpec::name, TypeSpec::kind).contains(
                org.assertj.core.groups.Tuple.tuple("appointment_status", TypeSpec.Kind.ENUM),
                org.assertj.core.groups.Tuple.tuple("postal_address", TypeSpec.Kind.COMPOSITE),
                org.assertj.core.groups.Tuple.tuple("email_address", TypeSpec.Kind.DOMAIN),
                org.assertj.core.groups.Tuple.tuple("dosage", TypeSpec.Kind.COMPOSITE));
        Bundle nested = new Bundle(List.of(
                new BundleFile(BundleKind.TYPES, "a_contact.sql", "CREATE TYPE contact AS (email email, phone text);"),
                new BundleFile(BundleKind.TYPES, "b_email.sql", "CREATE DOMAIN email AS text CHECK (VALUE LIKE '%@%');")));
        assertThat(BundleCompiler.compile(nested).types()).extracting(TypeSpec::name).containsExactly("email", "contact");
    }

    @Test
    void seedersRunInTableOrder() {
        assertThat(BundleCompiler.compile(TestBundles.clinic()).seeders()).extracting(SeederSpec::name)
                .containsExactly("clinics", "specialties", "suppliers", "medications");
    }

    @Test
    void duplicateFunctionAcrossFilesIsRefused() {
        Bundle b = new Bundle(List.of(
                new BundleFile(BundleKind.FUNCTIONS, "a.sql", "CREATE FUNCTION f(x int) RETURNS int AS $$ SELECT x $$ LANGUAGE sql;"),
                new BundleFile(BundleKind.FUNCTIONS, "b.sql", "CREATE FUNCTION f(y integer) RETURNS int AS $$ SELECT y $$ LANGUAGE sql;")));
        assertThatThrownBy(() -> BundleCompiler.compile(b))
                .isInstanceOf(BundleException.class)
                .hasMessageContaining("function f(integer) is defined twice, in functions/a.sql and functions/b.sql");
    }

    @Test
    void tableColumnsAreParsedWithCanonicalTypes() {
        TableSpec doctors = BundleCompiler.compile(TestBundles.clinic()).tables().stream()
                .filter(t -> t.name().equals("doctors")).findFirst().orElseThrow();
        assertThat(doctors.primaryKey()).containsExactly("id");
        assertThat(doctors.references()).containsExactlyInAnyOrder("specialties", "clinics");
        assertThat(doctors.column("id").orElseThrow()).extracting(ColumnSpec::type, ColumnSpec::notNull, ColumnSpec::hasDefault)
                .containsExactly("integer", true, true);
        assertThat(doctors.column("full_name").orElseThrow().type()).isEqualTo("character varying(120)");
        assertThat(doctors.column("specialty_id").orElseThrow().notNull()).isFalse();
    }

    @Test
    void transactionControlInAFileIsRefused() {
        Bundle b = new Bundle(List.of(new BundleFile(BundleKind.MIGRATIONS, "3_data.sql",
                "BEGIN;\nUPDATE t SET x = 1;\nCOMMIT;")));
        assertThatThrownBy(() -> BundleCompiler.compile(b))
                .isInstanceOf(BundleException.class)
                .hasMessageContaining("migrations/3_data.sql")
                .hasMessageContaining("controls the transaction");
        Bundle doBlock = new Bundle(List.of(new BundleFile(BundleKind.MIGRATIONS, "4_do.sql",
                "DO $$ BEGIN PERFORM 1; END $$;")));
        assertThat(BundleCompiler.compile(doBlock).migrations()).hasSize(1);
    }
}
