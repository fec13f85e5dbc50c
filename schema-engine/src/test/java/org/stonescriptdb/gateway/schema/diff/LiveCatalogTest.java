package org.stonescriptdb.gateway.schema.diff;

import org.junit.jupiter.api.Test;
import org.stonescriptdb.gateway.schema.SchemaEngine;
import org.stonescriptdb.gateway.schema.deploy.DeployOptions;
import org.stonescriptdb.gateway.schema.testing.TestBundles;
import org.stonescriptdb.gateway.schema.testing.TestDatabases;
import org.stonescriptdb.gateway.testsupport.TestPostgres;

import java.sql.Connection;

import static org.assertj.core.api.Assertions.assertThat;

class LiveCatalogTest {

    @Test
    void readsUserTablesInFormatTypeSpellingAndLeavesTrackingTablesOut() throws Exception {
        String db = TestPostgres.newDatabase("catalog");
        new SchemaEngine(TestDatabases.connections()).deploy(TestBundles.clinic(), db, DeployOptions.DEFAULT);
        TestPostgres.execute(db, "CREATE TABLE reporting.snapshots (id bigint GENERATED ALWAYS AS IDENTITY, taken_at timestamp(3))");
        try (Connection c = TestPostgres.direct(db)) {
            LiveCatalog live = LiveCatalog.read(c);

            assertThat(TestPostgres.queryOne(db, "SELECT count(*) FROM pg_class WHERE relname LIKE '\\_stonescriptdb\\_gateway\\_%' AND relkind = 'r'"))
                    .isEqualTo("7");
            assertThat(live.tables().keySet()).noneMatch(t -> t.startsWith("_stonescriptdb_gateway_"));
            assertThat(live.tables().keySet()).contains("patients", "clinic_settings", "reporting.snapshots");
            assertThat(live.tables().get("patients").get("email")).isEqualTo(new LiveColumn("email", "email_address", false, false));
            assertThat(live.tables().get("patients").get("id")).isEqualTo(new LiveColumn("id", "integer", true, true));
            assertThat(live.tables().get("doctors").get("full_name").type()).isEqualTo("character varying(120)");
            assertThat(live.tables().get("reporting.snapshots").get("id")).isEqualTo(new LiveColumn("id", "bigint", true, true));
            assertThat(live.tables().get("reporting.snapshots").get("taken_at").type()).isEqualTo("timestamp(3) without time zone");
        }
    }
}
