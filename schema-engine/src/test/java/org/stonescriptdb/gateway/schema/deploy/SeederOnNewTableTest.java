package org.stonescriptdb.gateway.schema.deploy;

import org.junit.jupiter.api.Test;
import org.stonescriptdb.gateway.schema.SchemaEngine;
import org.stonescriptdb.gateway.schema.bundle.Bundle;
import org.stonescriptdb.gateway.schema.bundle.BundleFile;
import org.stonescriptdb.gateway.schema.bundle.BundleKind;
import org.stonescriptdb.gateway.schema.testing.TestBundles;
import org.stonescriptdb.gateway.schema.testing.TestDatabases;
import org.stonescriptdb.gateway.testsupport.TestPostgres;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A seeder and a migration that adds reference data to the same declared table (#14): a database that gets both in one
 * deploy — a tenant created later, a first register — has the seeded rows and the added ones, like the older databases.
 */
class SeederOnNewTableTest {

    private final SchemaEngine engine = new SchemaEngine(TestDatabases.connections());

    private static final Bundle V1 = new Bundle(List.of(
            new BundleFile(BundleKind.TABLES, "medications.pssql",
                    "CREATE TABLE medications (id SERIAL PRIMARY KEY, name TEXT NOT NULL UNIQUE);"),
            new BundleFile(BundleKind.SEEDERS, "medications.pssql",
                    "INSERT INTO medications (name) VALUES ('Ibuprofen'), ('Paracetamol');")));

    private static final Bundle V2 = TestBundles.with(V1, "migrations/2_more_medications.pssql",
            "INSERT INTO medications (name) VALUES ('Cetirizine') ON CONFLICT (name) DO NOTHING;");

    private static String names(String db) {
        return TestPostgres.queryOne(db, "SELECT string_agg(name, ',' ORDER BY name) FROM medications");
    }

    @Test
    void aDatabaseThatGetsBothAtOnceHasTheSeededRowsToo() {
        String old = TestPostgres.newDatabase("seed_old");
        engine.deploy(V1, old, DeployOptions.DEFAULT);
        engine.deploy(V2, old, DeployOptions.DEFAULT);
        String later = TestPostgres.newDatabase("seed_later");

        DatabaseResult created = engine.deploy(V2, later, DeployOptions.DEFAULT.withNewDatabase(true));

        assertThat(created.failure()).isNull();
        assertThat(names(later)).isEqualTo(names(old)).isEqualTo("Cetirizine,Ibuprofen,Paracetamol");
        assertThat(engine.deploy(V2, later, DeployOptions.DEFAULT).status()).isEqualTo(DeployStatus.UNCHANGED);
    }

    /** A table that already had rows before the seeder came keeps its data and is not seeded, as before. */
    @Test
    void aTableWithRowsFromBeforeIsStillNotSeeded() {
        Bundle unseeded = TestBundles.with(V1, "seeders/medications.pssql", null);
        String db = TestPostgres.newDatabase("seed_existing");
        engine.deploy(unseeded, db, DeployOptions.DEFAULT);
        TestPostgres.execute(db, "INSERT INTO medications (name) VALUES ('Aspirin')");

        DatabaseResult r = engine.deploy(V1, db, DeployOptions.DEFAULT);

        assertThat(r.changes()).anyMatch(c -> c.action().equals("not run (table already has rows)"));
        assertThat(names(db)).isEqualTo("Aspirin");
    }
}
